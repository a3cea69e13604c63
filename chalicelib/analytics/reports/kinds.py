"""The fixed set of report kinds: for each, what it groups by, what it counts and in which
order its rows come. Measures are sqlglot expressions over the OLAP ``events`` table (one
row per event: ``type``, ``actor``, ``message_id``, …); a rate is rounded to 4 places and
NULL when its denominator is 0, as the API's rates are."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

ROW_LIMIT = 10_000


def _is(event_type: str) -> exp.Condition:
    return exp.column("type").eq(exp.Literal.string(event_type))


def _by(event_type: str, actor: str) -> exp.Condition:
    return exp.and_(_is(event_type), exp.column("actor").eq(exp.Literal.string(actor)))


def _count(condition: exp.Condition) -> exp.Expr:
    return exp.CountIf(this=condition)


def _distinct_messages(condition: exp.Condition) -> exp.Expr:
    when = exp.Case(ifs=[exp.If(this=condition, true=exp.column("message_id"))])
    return exp.Count(this=exp.Distinct(expressions=[when]))


def _delivered() -> exp.Expr:
    return exp.Sub(this=MEASURES["sent"](), expression=MEASURES["bounced"]())


def _rate(numerator: str, denominator: str) -> exp.Expr:
    top = exp.cast(MEASURES[numerator](), "DOUBLE")
    bottom = exp.Nullif(this=MEASURES[denominator](), expression=exp.Literal.number(0))
    return exp.func("ROUND", exp.Div(this=top, expression=bottom), exp.Literal.number(4))


MEASURES = {
    "sent": lambda: _count(_is("message.sent")),
    "bounced": lambda: _count(_is("message.bounced")),
    "deferred": lambda: _count(_is("message.deferred")),
    "delivered": _delivered,
    "opens_human": lambda: _count(_by("message.opened", "human")),
    "opens_machine": lambda: _count(_by("message.opened", "machine")),
    "unique_opens": lambda: _distinct_messages(_by("message.opened", "human")),
    "clicks_human": lambda: _count(_by("message.clicked", "human")),
    "clicks_machine": lambda: _count(_by("message.clicked", "machine")),
    "unique_clicks": lambda: _distinct_messages(_by("message.clicked", "human")),
    "replies": lambda: _count(_is("message.replied")),
    "complaints": lambda: _count(_is("message.complained")),
    "unsubscribes": lambda: _count(_is("message.unsubscribed")),
    "messages": lambda: exp.Count(this=exp.Distinct(expressions=[exp.column("message_id")])),
    "delivery_rate": lambda: _rate("delivered", "sent"),
    "bounce_rate": lambda: _rate("bounced", "sent"),
    "spam_rate": lambda: _rate("complaints", "delivered"),
    "open_rate": lambda: _rate("unique_opens", "delivered"),
}


@dataclass(frozen=True)
class ReportKind:
    name: str
    summary: str
    group_by: tuple[str, ...]
    measures: tuple[str, ...]
    order_by: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    only: tuple[exp.Condition, ...] = field(default=(), compare=False)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.group_by, *self.measures)


def _not_null(column: str) -> exp.Condition:
    return exp.column(column).is_(exp.null()).not_()


KINDS: dict[str, ReportKind] = {
    kind.name: kind
    for kind in (
        ReportKind(
            "daily_summary",
            "Per day: sends, bounces, deliveries, human and machine opens and clicks, unique "
            "opens and clicks, replies, complaints, unsubscribes.",
            ("day",),
            (
                "sent",
                "bounced",
                "delivered",
                "opens_human",
                "opens_machine",
                "unique_opens",
                "clicks_human",
                "clicks_machine",
                "unique_clicks",
                "replies",
                "complaints",
                "unsubscribes",
            ),
            (("day", False),),
        ),
        ReportKind(
            "campaign_steps",
            "Per campaign, step and A/B variant: sends, bounces, unique opens and clicks, "
            "replies, complaints, unsubscribes.",
            ("campaign_id", "step", "variant"),
            (
                "sent",
                "bounced",
                "delivered",
                "unique_opens",
                "unique_clicks",
                "replies",
                "complaints",
                "unsubscribes",
            ),
            (("campaign_id", False), ("step", False), ("variant", False)),
            (_not_null("campaign_id"),),
        ),
        ReportKind(
            "mailbox_deliverability",
            "Per mailbox: sends, bounces, deferrals, complaints and their rates.",
            ("mailbox_id",),
            (
                "sent",
                "bounced",
                "deferred",
                "complaints",
                "delivered",
                "delivery_rate",
                "bounce_rate",
                "spam_rate",
            ),
            (("mailbox_id", False),),
            (_not_null("mailbox_id"),),
        ),
        ReportKind(
            "recipient_domains",
            "Per recipient domain: sends, bounces, opens; the busiest domains first.",
            ("recipient_domain",),
            ("sent", "bounced", "opens_human", "unique_opens", "bounce_rate", "open_rate"),
            (("sent", True), ("recipient_domain", False)),
            (_not_null("recipient_domain"),),
        ),
        ReportKind(
            "bounce_codes",
            "Per SMTP reply code of a bounce: bounces and distinct messages, most first.",
            ("smtp_code",),
            ("bounced", "messages"),
            (("bounced", True), ("smtp_code", False)),
            (_is("message.bounced"),),
        ),
    )
}
