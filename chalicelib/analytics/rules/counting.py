"""What an event adds to the analytics counters, beyond the per-tenant event counters of
``periods``: its metric (``metrics``) per day in each scope it belongs to (tenant, campaign,
mailbox, domain, recipient provider), per campaign step and variant, in the heatmap and in
the day's deliverability breakdown (keys in ``scopes``).

Opens, clicks, replies, complaints and unsubscribes name only their message: what the
counters need to know of it (``MessageFacts``, read from the sending feature for a whole
batch) and what is decided for the batch (``Enrichment``: its provider, whether an open or
click is the message's first by a person) come in beside the event. Warm-up mail counts only
in its mailbox's scope, as ``warmup_<metric>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.analytics.rules import scopes
from chalicelib.analytics.rules.metrics import metric_attribute
from chalicelib.analytics.rules.periods import counter_attribute, counter_names

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from chalicelib.core.events import Event

PLAIN: dict[str, str] = {
    "message.sent": "sent",
    "message.bounced": "bounced",
    "message.deferred": "deferred",
    "message.replied": "replies",
    "message.complained": "complaints",
    "message.unsubscribed": "unsubscribes",
}
ENGAGED: dict[str, str] = {"message.opened": "opens", "message.clicked": "clicks"}
Increments = dict[str, dict[str, int]]  # sort key → attribute → how much to add


@dataclass(frozen=True)
class MessageFacts:
    """What the sending feature knows of a message, for its events' counters."""

    message_id: str
    mailbox_id: str | None = None
    domain_id: str | None = None
    campaign_id: str | None = None
    step: int | None = None
    variant: str | None = None
    recipient_domain: str | None = None
    time_zone: str | None = None  # the recipient's IANA zone when known
    warmup: bool = False
    opens_human: int = 0  # on the message when read
    clicks_human: int = 0


@dataclass(frozen=True)
class Enrichment:
    """An event's facts and what was decided for it in its batch."""

    facts: MessageFacts | None = None
    provider: str | None = None
    unique: bool = False  # the first open (or click) of its message by a person


def metric_of(event: Event) -> str | None:
    """The metric an event moves (``opens_human``, ``sent``, …), None for any other event."""
    kind = event.get("type", "")
    if kind in ENGAGED:
        return f"{ENGAGED[kind]}_{'human' if event.get('actor') == 'human' else 'machine'}"
    return PLAIN.get(kind)


def is_warmup(event: Event, facts: MessageFacts | None) -> bool:
    tags = event.get("tags") or ()
    return (
        (facts is not None and facts.warmup) or "warmup" in tags or event.get("purpose") == "warmup"
    )


def human_engagement(event: Event) -> str | None:
    """``opens`` or ``clicks`` for a person's open or click, else None."""
    kind = ENGAGED.get(event.get("type", ""))
    return kind if kind and event.get("actor") == "human" else None


def decide(
    events: Sequence[Event], facts: Mapping[str, MessageFacts], providers: Mapping[str, str]
) -> dict[str, Enrichment]:
    """Each message event's enrichment (by event id), in batch order: an open or click by a
    person is unique when its message had none when read and none before it in the batch."""
    seen: set[tuple[str, str]] = set()
    found: dict[str, Enrichment] = {}
    for event in events:
        known = facts.get(str(event.get("message_id") or ""))
        domain = known.recipient_domain if known else None
        provider = providers.get(domain) if domain else None
        kind = human_engagement(event)
        unique = False
        if known is not None and kind is not None and (known.message_id, kind) not in seen:
            before = known.opens_human if kind == "opens" else known.clicks_human
            unique = before == 0
            seen.add((known.message_id, kind))
        found[str(event["event_id"])] = Enrichment(known, provider, unique)
    return found


def _field(event: Event, facts: MessageFacts | None, name: str) -> Any:
    value = getattr(facts, name, None) if facts is not None else None
    return value if value is not None else event.get(name)


def increments(event: Event, enrichment: Enrichment | None) -> Increments:
    """The analytics counter items ``event`` adds to (besides the per-tenant event counters)."""
    metric = metric_of(event)
    if metric is None:
        return {}
    context = enrichment or Enrichment()
    facts = context.facts
    day = str(event["occurred_at"])[:10]
    names = [metric]
    if context.unique:
        names.append("unique_" + metric.split("_")[0])
    mailbox_id = _field(event, facts, "mailbox_id")
    if is_warmup(event, facts):
        if not mailbox_id:
            return {}
        return {scopes.scope_day(f"mailbox:{mailbox_id}", day): _ones(names, warmup=True)}
    found: Increments = {}
    where = _scopes(event, facts, context.provider, mailbox_id)
    for scope in where:
        found[scopes.scope_day(scope, day)] = _ones(names)
    breakdown = _breakdown(where, names)
    if breakdown:
        found[scopes.breakdown_key(day)] = breakdown
    campaign_id, step = _field(event, facts, "campaign_id"), _field(event, facts, "step")
    if campaign_id and isinstance(step, int):
        variant = _field(event, facts, "variant")
        found[scopes.step_key(str(campaign_id), step, variant)] = _ones(names)
    heat = _heat(event, facts)
    if heat:
        found[scopes.heat_key(day[:7])] = heat
    return found


def _scopes(
    event: Event, facts: MessageFacts | None, provider: str | None, mailbox_id: Any
) -> list[str]:
    found = ["tenant"]
    for kind, value in (
        ("campaign", _field(event, facts, "campaign_id")),
        ("mailbox", mailbox_id),
        ("domain", _field(event, facts, "domain_id")),
        ("provider", provider),
    ):
        if value and "#" not in str(value):
            found.append(f"{kind}:{value}")
    return found


def _ones(names: list[str], warmup: bool = False) -> dict[str, int]:
    return {metric_attribute(name, warmup): 1 for name in names}


def _breakdown(where: list[str], names: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for scope in where:
        kind, _, ident = scope.partition(":")
        if kind in ("mailbox", "domain", "provider"):
            found |= {scopes.breakdown_attribute(kind, ident, n): 1 for n in names}
    return found


def _heat(event: Event, facts: MessageFacts | None) -> dict[str, int]:
    kind = human_engagement(event)
    if kind is None:
        return {}
    local = local_time(str(event["occurred_at"]), facts.time_zone if facts else None)
    if local is None:
        return {}
    return {scopes.heat_attribute(kind, local.weekday(), local.hour): 1}


def local_time(occurred_at: str, zone: str | None) -> datetime | None:
    """The moment in the recipient's zone (UTC when unknown or not a zone)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        moment = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return moment.astimezone(ZoneInfo(zone or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(ZoneInfo("UTC"))


def event_increments(event: Event, enrichment: Enrichment | None) -> Increments:
    """Every counter item an event adds to: its per-tenant event counters and its metrics.
    Warm-up mail's events are counted apart (``n_warmup_message_sent``, …), so the monthly
    allowance and a mailbox's daily cap (``message_sent``) never count them."""
    facts = enrichment.facts if enrichment is not None else None
    kind = ("warmup." if is_warmup(event, facts) else "") + str(event["type"])
    found: Increments = {p: {counter_attribute(kind): 1} for p in counter_names(event)}
    return merge(found, increments(event, enrichment))


def merge(into: Increments, more: Increments) -> Increments:
    for key, adds in more.items():
        bucket = into.setdefault(key, {})
        for name, value in adds.items():
            bucket[name] = bucket.get(name, 0) + value
    return into


def engagement_before(
    events: Sequence[Event], enrichments: Mapping[str, Enrichment]
) -> dict[tuple[str, str], tuple[int, int]]:
    """Human (opens, clicks) per (tenant, message) as read, for the messages of ``events``."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for event in events:
        known = enrichments.get(str(event["event_id"]))
        if known is not None and known.facts is not None:
            facts = known.facts
            found[(event["tenant_id"], facts.message_id)] = (facts.opens_human, facts.clicks_human)
    return found


def engagement_after(
    before: Mapping[tuple[str, str], tuple[int, int]], events: Sequence[Event]
) -> dict[tuple[str, str], tuple[int, int]]:
    """Human (opens, clicks) per (tenant, message) once ``events`` are counted onto ``before``."""
    after = dict(before)
    for event in events:
        kind = human_engagement(event)
        ref = (event["tenant_id"], str(event.get("message_id") or ""))
        if kind is None or ref not in after:
            continue
        opens, clicks = after[ref]
        after[ref] = (opens + 1, clicks) if kind == "opens" else (opens, clicks + 1)
    return after
