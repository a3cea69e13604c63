"""Accepting messages through the API: resolve the sender, render for every recipient now
(an undefined variable is a 422 at request time, never a broken email), store, enqueue.

Order of writes, so nothing is lost: the body to S3, the message items to DynamoDB
(``queued``, each carrying its ``message.queued`` event: the outbox), then the ids to SQS.
If SQS refuses, the messages are marked ``failed`` (with their ``message.failed`` event) and
the request answers 503; a message is never left ``queued`` with no queue entry behind it.

``from`` is a mailbox id, a mailbox's address, or any address on one of the tenant's
domains: the last picks the domain's sending mailbox with the most capacity left today
(inbox rotation), recipient by recipient, and the email goes out from that mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.analytics import mailbox_day_period, month_period
from chalicelib.core import ids
from chalicelib.core.clock import Clock, parse_iso
from chalicelib.core.errors import (
    AppError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    QuotaExceeded,
    ServiceUnavailable,
    UnprocessableEntity,
)
from chalicelib.core.events import Event, new_event
from chalicelib.core.plans import plan_named
from chalicelib.mailboxes import SENDING_STATUSES, Mailbox
from chalicelib.sending.rules import messages
from chalicelib.sending.rules.messages import Message
from chalicelib.templates import compile_part, render_message

if TYPE_CHECKING:
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.sending.ports import (
        BodyStore,
        DomainReader,
        MailboxReader,
        MessageStore,
        SendQueues,
        TemplateReader,
        UsageCounters,
    )

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAX_SCHEDULE_AHEAD = timedelta(days=30)


@dataclass
class MessagePorts:
    messages: MessageStore
    bodies: BodyStore
    mailboxes: MailboxReader
    domains: DomainReader
    templates: TemplateReader
    counters: UsageCounters
    queue: SendQueues
    clock: Clock


@dataclass(frozen=True)
class Content:
    subject: str
    html: str | None
    text: str | None
    template_id: str | None


@dataclass(frozen=True)
class Recipient:
    to: str
    variables: dict[str, Any]


@dataclass(frozen=True)
class Sender:
    mailboxes: tuple[Mailbox, ...]  # one, or the rotation pool
    domain_id: str
    from_name: str | None


def content_of(ports: MessagePorts, ctx: TenantContext, req: Any) -> Content:
    """Inline parts, or the stored template's parts with inline ones taking precedence."""
    subject, html, text = req.subject, req.html, req.text
    if req.template_id:
        found = ports.templates.get(ctx, req.template_id)
        if found is None:
            raise UnprocessableEntity(
                f"template {req.template_id} not found",
                {"field": "template_id", "value": req.template_id},
            )
        subject = subject or found.subject
        html = html if html is not None else found.html
        text = text if text is not None else found.text
    if not subject:
        raise UnprocessableEntity(
            "subject is required (inline or from the template)", _f("subject")
        )
    if html is None and text is None:
        raise UnprocessableEntity(
            "html or text is required (inline or from the template)", _f("html")
        )
    size = sum(len(p.encode("utf-8")) for p in (subject, html or "", text or ""))
    if size > MAX_MESSAGE_BYTES:
        raise PayloadTooLarge(
            f"the message is over {MAX_MESSAGE_BYTES} bytes", {"limit_bytes": MAX_MESSAGE_BYTES}
        )
    for field, source, is_html in (
        ("subject", subject, False),
        ("html", html, True),
        ("text", text, False),
    ):
        if source is not None:
            compile_part(field, source, is_html)
    return Content(subject, html, text, req.template_id)


def _f(field: str) -> dict[str, str]:
    return {"field": field}


def _sending_mailboxes(ports: MessagePorts, ctx: TenantContext) -> list[Mailbox]:
    found, token = [], None
    while True:
        page = ports.mailboxes.list(ctx, 100, token)
        found.extend(page.items)
        token = page.next_token
        if not token:
            return found


def resolve_sender(ports: MessagePorts, ctx: TenantContext, given: str, name: str | None) -> Sender:
    if given.startswith("mbx_"):
        mailbox = ports.mailboxes.get(ctx, given)
        if mailbox is None:
            raise UnprocessableEntity(f"mailbox {given} is not one of yours", _f("from"))
        pool: tuple[Mailbox, ...] = (mailbox,)
    else:
        address = given.strip().lower()
        everyone = _sending_mailboxes(ports, ctx)
        exact = [m for m in everyone if m.email.lower() == address]
        host = address.rpartition("@")[2]
        pool = tuple(exact or [m for m in everyone if m.email.lower().endswith("@" + host)])
        if not pool:
            raise UnprocessableEntity(
                f"no mailbox of yours sends for {given}", {"field": "from", "value": given}
            )
    domain = ports.domains.get(ctx, pool[0].domain_id)
    if domain is None or not domain.can_send:
        raise UnprocessableEntity(
            "the sending domain is not verified", {"field": "from", "domain_id": pool[0].domain_id}
        )
    usable = tuple(m for m in pool if m.status in SENDING_STATUSES)
    if not usable:
        raise UnprocessableEntity(
            f"the mailbox is {pool[0].status}" if len(pool) == 1 else "every mailbox is paused",
            _f("from"),
        )
    return Sender(usable, pool[0].domain_id, name)


def _remaining(
    ports: MessagePorts, ctx: TenantContext, pool: tuple[Mailbox, ...]
) -> dict[str, int]:
    if len(pool) == 1:
        return {pool[0].mailbox_id: 1}
    day = ports.clock.now_iso()[:10]
    left = {}
    for mailbox in pool:
        counts = ports.counters.read(ctx.tenant_id, mailbox_day_period(mailbox.mailbox_id, day))
        left[mailbox.mailbox_id] = mailbox.daily_limit - counts.get("message_sent", 0)
    return left


class QuotaPorts(Protocol):
    """What the monthly quota check reads: the tenant's counters, and the month from the
    clock."""

    @property
    def counters(self) -> UsageCounters: ...

    @property
    def clock(self) -> Clock: ...


def check_quota(ports: QuotaPorts, ctx: TenantContext, count: int) -> None:
    """``QuotaExceeded`` when ``count`` more messages this month pass the plan's allowance."""
    allowance = plan_named(ctx.plan).emails_per_month
    if allowance is None:
        return
    month = ports.clock.now_iso()[:7]
    used = ports.counters.read(ctx.tenant_id, month_period(month)).get("message_queued", 0)
    if used + count > allowance:
        raise QuotaExceeded(
            f"plan {ctx.plan} allows {allowance} emails a month; {max(allowance - used, 0)} left",
            {"limit": allowance, "used": used, "requested": count},
        )


def parse_schedule(value: str | None, now: datetime) -> str | None:
    if not value:
        return None
    try:
        when = parse_iso(value)
    except ValueError as exc:
        raise UnprocessableEntity(
            "scheduled_at is not an ISO 8601 time", _f("scheduled_at")
        ) from exc
    if when.tzinfo is None:
        raise UnprocessableEntity("scheduled_at needs a time zone (e.g. Z)", _f("scheduled_at"))
    if when - now > MAX_SCHEDULE_AHEAD:
        raise UnprocessableEntity("scheduled_at is more than 30 days ahead", _f("scheduled_at"))
    return when.astimezone(now.tzinfo).isoformat().replace("+00:00", "Z") if when > now else None


def render_for(content: Content, variables: dict[str, Any]) -> dict[str, str | None]:
    return render_message(content.subject, content.html, content.text, variables)


def _new_message(
    ctx: TenantContext,
    req: Any,
    sender: Sender,
    mailbox: Mailbox,
    recipient: Recipient,
    subject: str,
    body_key: str,
    content: Content,
    now: str,
    scheduled: str | None,
    batch_id: str | None,
) -> Message:
    message_id = ids.new_sortable_id("msg")
    return Message(
        tenant_id=ctx.tenant_id,
        message_id=message_id,
        status="queued",
        mailbox_id=mailbox.mailbox_id,
        domain_id=sender.domain_id,
        from_address=mailbox.email,
        from_name=sender.from_name if sender.from_name is not None else mailbox.display_name,
        to=recipient.to,
        reply_to=req.reply_to,
        headers=dict(req.headers),
        tags=tuple(req.tags),
        metadata=dict(req.metadata),
        variables=recipient.variables,
        body_key=body_key,
        template_id=content.template_id,
        track_opens=req.track_opens,
        track_clicks=req.track_clicks,
        queue="priority",
        created_at=now,
        scheduled_at=scheduled,
        subject=subject,
        timeline=(messages.entry("queued", now, scheduled_at=scheduled),),
        batch_id=batch_id,
    )


def accept(
    ports: MessagePorts,
    ctx: TenantContext,
    req: Any,
    recipients: list[Recipient | AppError],
    batch: bool,
) -> list[Message | AppError]:
    """Messages for the valid recipients (and the error of each invalid one), in order."""
    content = content_of(ports, ctx, req)
    sender = resolve_sender(ports, ctx, req.from_address, req.from_name)
    now_dt = ports.clock.now()
    now, scheduled = ports.clock.now_iso(), parse_schedule(req.scheduled_at, now_dt)
    valid = [r for r in recipients if isinstance(r, Recipient)]
    check_quota(ports, ctx, len(valid))
    left = _remaining(ports, ctx, sender.mailboxes)
    batch_id = ids.new_sortable_id("bat") if batch else None
    body_key = ports.bodies.key(ctx.tenant_id, batch_id or ids.new_sortable_id("bdy"))
    results: list[Message | AppError] = []
    for recipient in recipients:
        if not isinstance(recipient, Recipient):
            results.append(recipient)
            continue
        try:
            rendered = render_for(content, recipient.variables)
        except AppError as error:
            if not batch:
                raise
            results.append(error)
            continue
        mailbox_id = max(left, key=lambda m: left[m])
        left[mailbox_id] -= 1
        mailbox = next(m for m in sender.mailboxes if m.mailbox_id == mailbox_id)
        results.append(
            _new_message(
                ctx,
                req,
                sender,
                mailbox,
                recipient,
                str(rendered["subject"]),
                body_key,
                content,
                now,
                scheduled,
                batch_id,
            )
        )
    _store_and_enqueue(
        ports, ctx, content, body_key, [m for m in results if isinstance(m, Message)], now_dt
    )
    return results


def _store_and_enqueue(
    ports: MessagePorts,
    ctx: TenantContext,
    content: Content,
    body_key: str,
    accepted: list[Message],
    now: datetime,
) -> None:
    if not accepted:
        return
    ports.bodies.put(
        body_key, {"subject": content.subject, "html": content.html, "text": content.text}
    )
    ports.messages.create_many(accepted, [_queued(m) for m in accepted])
    jobs = [(m.tenant_id, m.message_id, delay_until(m.scheduled_at, now)) for m in accepted]
    try:
        ports.queue.enqueue_many("priority", jobs)
    except Exception as exc:  # noqa: BLE001 - reported as 503 after the messages are closed
        _fail_unqueued(ports, accepted)
        raise ServiceUnavailable("the send queue is unavailable; nothing was sent") from exc


def _queued(message: Message) -> Event:
    return messages.status_event(message, "queued", message.created_at, tags=list(message.tags))


def _fail_unqueued(ports: MessagePorts, accepted: list[Message]) -> None:
    """Close what the queue refused: ``failed``, with its event (the ``queued`` one is on
    the stream already, so the counters see both)."""
    at = ports.clock.now_iso()
    reason = "the send queue refused it"
    for message in accepted:
        failed = messages.with_status(message, "failed", at, reason=reason)
        event = messages.status_event(message, "failed", at, reason=reason)
        ports.messages.transition(failed, ("queued",), message.attempts, events=[event])


def delay_until(scheduled_at: str | None, now: datetime) -> int:
    """SQS delay in seconds (at most 15 minutes; the worker waits again for later times)."""
    if not scheduled_at:
        return 0
    when = parse_iso(scheduled_at)
    return max(0, min(900, int((when - now).total_seconds()) + 1))


def find(ports: MessagePorts, ctx: TenantContext, message_id: str) -> Message:
    found = (
        ports.messages.get(ctx.tenant_id, message_id)
        if ids.is_well_formed(message_id, "msg")
        else None
    )
    if found is None:
        raise NotFound(f"message {message_id} not found", {"id": message_id})
    return found


def cancel(ports: MessagePorts, ctx: TenantContext, message_id: str) -> Message:
    message = find(ports, ctx, message_id)
    cancelled = messages.cancel(message, ports.clock.now_iso())
    event = new_event(
        "message.cancelled",
        ctx.tenant_id,
        cancelled.timeline[-1]["at"],
        message_id=message_id,
        **message.campaign_fields(),
    )
    try:
        ports.messages.transition(cancelled, messages.WAITING, message.attempts, events=[event])
    except messages.StaleWrite as exc:
        raise Conflict(
            f"message {message_id} changed while cancelling; it is being sent",
            {"id": message_id},
        ) from exc
    return cancelled
