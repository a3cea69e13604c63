"""Enqueueing warm-up mail (called by the warm-up feature) and reading what became of it,
modelled on ``service.campaign`` so a run that crashes and reruns never sends twice:

- every mailbox must be the tenant's (422 ``mailbox_id``), every message id a message id
  (422 ``message_id``: use ``warmup_message_id``), a reply must name the message it answers
  (422 ``in_reply_to``), ``scheduled_at`` must be an ISO 8601 time with its zone at most 30
  days ahead (422 ``scheduled_at``);
- warm-up mail is not counted against the plan's monthly allowance (no quota check);
- each distinct content is stored once in the body store under its hash; messages are
  created on the ``bulk`` queue with conditional puts, each with its ``message.queued``
  event (the outbox), tagged ``warmup`` with metadata ``purpose=warmup``: a message stored
  already is left as it is;
- every message still ``queued`` is sent to ``send-bulk`` again (the worker's claim makes a
  duplicate job harmless), delayed until its ``scheduled_at`` (at most 15 minutes: the
  worker puts an early message back until its time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.core import ids
from chalicelib.core.errors import UnprocessableEntity
from chalicelib.core.tenancy import system_context
from chalicelib.sending.rules import messages
from chalicelib.sending.rules import warmup as warmup_rules
from chalicelib.sending.rules.campaigns import EnqueueOutcome
from chalicelib.sending.rules.messages import Message
from chalicelib.sending.service.accept import delay_until, parse_schedule
from chalicelib.sending.service.campaign import content_id, owned_mailboxes, store_contents
from chalicelib.templates import render_message

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from chalicelib.core.clock import Clock
    from chalicelib.core.events import Event
    from chalicelib.mailboxes import Mailbox
    from chalicelib.sending.ports import BodyStore, MailboxReader, MessageStore, SendQueues
    from chalicelib.sending.rules.warmup import WarmupOutcome, WarmupSend

QUEUE = "bulk"


@dataclass
class WarmupPorts:
    messages: MessageStore
    bodies: BodyStore
    mailboxes: MailboxReader
    queue: SendQueues
    clock: Clock


def enqueue(
    ports: WarmupPorts, tenant_id: str, sends: Sequence[WarmupSend]
) -> list[EnqueueOutcome]:
    """One outcome per distinct message id of ``sends``, in their order."""
    unique = list({send.message_id: send for send in sends}.values())
    if not unique:
        return []
    ctx = system_context(tenant_id, actor="warmup")
    now = ports.clock.now()
    schedules = {s.message_id: _checked(s, now) for s in unique}
    mailboxes = owned_mailboxes(ports.mailboxes, ctx, [send.mailbox_id for send in unique])
    stored = ports.messages.get_many([(tenant_id, send.message_id) for send in unique])
    new = [send for send in unique if (tenant_id, send.message_id) not in stored]
    drafts = _drafts(ports, tenant_id, new, mailboxes, schedules)
    created = ports.messages.create_new(drafts, [_queued(m) for m in drafts]) if drafts else set()
    found = {m.message_id: m for m in drafts if m.message_id in created}
    found |= _others(ports, tenant_id, unique, found, stored)
    jobs = [
        (tenant_id, m.message_id, delay_until(m.scheduled_at, now))
        for m in found.values()
        if m.status == "queued"
    ]
    if jobs:
        ports.queue.enqueue_many(QUEUE, jobs)
    return [
        EnqueueOutcome(
            s.message_id,
            s.message_id in created,
            found[s.message_id].status if s.message_id in found else "missing",
        )
        for s in unique
    ]


def outcomes(
    ports: WarmupPorts, tenant_id: str, message_ids: Sequence[str]
) -> dict[str, WarmupOutcome]:
    """What became of each of ``message_ids`` (``missing`` when there is no such message)."""
    wanted = list(dict.fromkeys(message_ids))
    if not wanted:
        return {}
    found = ports.messages.get_many([(tenant_id, m) for m in wanted])
    return {
        m: warmup_rules.outcome(found[(tenant_id, m)][0] if (tenant_id, m) in found else None)
        for m in wanted
    }


def _checked(send: WarmupSend, now: datetime) -> str | None:
    """The send's schedule (None: now), once its ids, thread and content are checked."""
    where = {"message_id": send.message_id[:80]}
    if not ids.is_well_formed(send.message_id, "msg"):
        raise UnprocessableEntity(
            "message_id is not a message id (use warmup_message_id)",
            {"field": "message_id", "value": send.message_id[:80]},
        )
    if send.reply and not send.in_reply_to:
        raise UnprocessableEntity(
            "a warm-up reply needs the Message-ID it answers",
            {"field": "in_reply_to", **where},
        )
    if send.html is None and send.text is None:
        raise UnprocessableEntity("a warm-up email needs html or text", {"field": "text", **where})
    try:
        render_message(send.subject, send.html, send.text, {})
    except UnprocessableEntity as error:
        raise UnprocessableEntity(error.message, {**error.details, **where}) from error
    return parse_schedule(send.scheduled_at, now)


def _content(send: WarmupSend) -> dict[str, str | None]:
    return {"subject": send.subject, "html": send.html, "text": send.text}


def _drafts(
    ports: WarmupPorts,
    tenant_id: str,
    sends: list[WarmupSend],
    mailboxes: dict[str, Mailbox],
    schedules: dict[str, str | None],
) -> list[Message]:
    """The messages to create, after storing each distinct content they use once."""
    keys = store_contents(ports.bodies, tenant_id, [_content(send) for send in sends])
    now = ports.clock.now_iso()
    return [
        _message(
            tenant_id,
            s,
            mailboxes[s.mailbox_id],
            keys[content_id(_content(s))],
            now,
            schedules[s.message_id],
        )
        for s in sends
    ]


def _message(
    tenant_id: str,
    send: WarmupSend,
    mailbox: Mailbox,
    body_key: str,
    now: str,
    scheduled: str | None,
) -> Message:
    references = tuple(send.references)
    if send.in_reply_to and not references:
        references = (send.in_reply_to,)
    return Message(
        tenant_id=tenant_id,
        message_id=send.message_id,
        status="queued",
        mailbox_id=mailbox.mailbox_id,
        domain_id=mailbox.domain_id,
        from_address=mailbox.email,
        from_name=mailbox.display_name,
        to=send.to,
        reply_to=None,
        headers={},
        tags=(warmup_rules.TAG,),
        metadata=warmup_rules.metadata(send),
        variables={},
        body_key=body_key,
        template_id=None,
        track_opens=False,
        track_clicks=False,
        queue=QUEUE,
        created_at=now,
        scheduled_at=scheduled,
        subject=send.subject,
        timeline=(messages.entry("queued", now, scheduled_at=scheduled),),
        in_reply_to=send.in_reply_to,
        references=references,
    )


def _queued(message: Message) -> Event:
    return messages.status_event(message, "queued", message.created_at, tags=list(message.tags))


def _others(
    ports: WarmupPorts,
    tenant_id: str,
    sends: list[WarmupSend],
    known: dict[str, Message],
    stored: dict[tuple[str, str], tuple[Message, int]],
) -> dict[str, Message]:
    """The messages this call did not create: as read before, or (created by a run that
    overlapped this one) read again."""
    missing = [s.message_id for s in sends if s.message_id not in known]
    unread = [(tenant_id, m) for m in missing if (tenant_id, m) not in stored]
    found = {**stored, **(ports.messages.get_many(unread) if unread else {})}
    return {m: found[(tenant_id, m)][0] for m in missing if (tenant_id, m) in found}
