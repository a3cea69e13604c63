"""Enqueueing a campaign's sends (called by the campaigns scheduler): check, store, enqueue,
so that a run that crashes and reruns never creates or sends a message twice.

- Every mailbox must be the tenant's (422 ``mailbox_id``); every send must render with its
  variables (an undefined variable is a 422 naming it, as the messages API does); the
  messages not stored yet must fit the plan's monthly allowance (``QuotaExceeded``).
- Each distinct content (subject, html, text sources) is stored once in the body store,
  under a key made from its hash: a rerun writes the same key.
- Messages are created on the ``bulk`` queue with conditional puts (``create_new``): a
  message whose id is stored already is left as it is. A created message's
  ``message.queued`` event (with the campaign's fields) is stored with it (the outbox).
- Every message still ``queued`` is sent to the ``send-bulk`` queue (grouped by tenant), the
  rerun's ones again too: the worker's claim makes a duplicate job harmless, and a run that
  crashed between the write and the enqueue leaves no message behind.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.core import ids
from chalicelib.core.errors import UnprocessableEntity
from chalicelib.core.tenancy import system_context
from chalicelib.sending.rules import messages
from chalicelib.sending.rules.campaigns import CampaignSend, EnqueueOutcome
from chalicelib.sending.rules.messages import Message
from chalicelib.sending.service.accept import check_quota
from chalicelib.templates import render_message

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.clock import Clock
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.mailboxes import Mailbox
    from chalicelib.sending.ports import (
        BodyStore,
        MailboxReader,
        MessageStore,
        SendQueues,
        UsageCounters,
    )

QUEUE = "bulk"


@dataclass
class CampaignPorts:
    messages: MessageStore
    bodies: BodyStore
    mailboxes: MailboxReader
    counters: UsageCounters
    queue: SendQueues
    clock: Clock


def enqueue(
    ports: CampaignPorts, tenant_id: str, plan: str, sends: Sequence[CampaignSend]
) -> list[EnqueueOutcome]:
    """One outcome per distinct message id of ``sends``, in their order."""
    unique = list({send.message_id: send for send in sends}.values())
    if not unique:
        return []
    ctx = system_context(tenant_id, plan, actor="campaigns")
    _check_ids(unique)
    mailboxes = owned_mailboxes(ports.mailboxes, ctx, [send.mailbox_id for send in unique])
    subjects = {send.message_id: _rendered_subject(send) for send in unique}
    stored = ports.messages.get_many([(tenant_id, send.message_id) for send in unique])
    new = [send for send in unique if (tenant_id, send.message_id) not in stored]
    check_quota(ports, ctx, len(new))
    drafts = _drafts(ports, tenant_id, new, mailboxes, subjects)
    created = ports.messages.create_new(drafts, [_queued(m) for m in drafts]) if drafts else set()
    statuses = {m.message_id: "queued" for m in drafts if m.message_id in created}
    statuses |= _statuses(ports, tenant_id, unique, statuses, stored)
    jobs = [(tenant_id, s.message_id, 0) for s in unique if statuses[s.message_id] == "queued"]
    if jobs:
        ports.queue.enqueue_many(QUEUE, jobs)
    return [
        EnqueueOutcome(s.message_id, s.message_id in created, statuses[s.message_id])
        for s in unique
    ]


def _check_ids(sends: list[CampaignSend]) -> None:
    for send in sends:
        if not ids.is_well_formed(send.message_id, "msg"):
            raise UnprocessableEntity(
                "message_id is not a message id (use campaign_message_id)",
                {"field": "message_id", "value": send.message_id[:80]},
            )


def owned_mailboxes(
    reader: MailboxReader, ctx: TenantContext, mailbox_ids: Sequence[str]
) -> dict[str, Mailbox]:
    """The tenant's mailboxes by id; a 422 naming ``mailbox_id`` for one it does not own."""
    found: dict[str, Mailbox] = {}
    for mailbox_id in dict.fromkeys(mailbox_ids):
        mailbox = reader.get(ctx, mailbox_id)
        if mailbox is None:
            raise UnprocessableEntity(
                f"mailbox {mailbox_id} is not one of yours",
                {"field": "mailbox_id", "value": mailbox_id},
            )
        found[mailbox_id] = mailbox
    return found


def _rendered_subject(send: CampaignSend) -> str:
    """The send's subject, once every part rendered with its variables; a 422 naming the
    part and the undefined variables (and which send) otherwise."""
    try:
        rendered = render_message(send.subject, send.html, send.text, send.variables)
    except UnprocessableEntity as error:
        where = {"message_id": send.message_id, "contact_id": send.campaign.contact_id}
        raise UnprocessableEntity(error.message, {**error.details, **where}) from error
    return str(rendered["subject"])


def _content(send: CampaignSend) -> dict[str, Any]:
    return {"subject": send.subject, "html": send.html, "text": send.text}


def content_id(content: dict[str, Any]) -> str:
    """The body id of a content: its hash, so the same content always has the same key."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return "cnt_" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def store_contents(
    bodies: BodyStore, tenant_id: str, contents: Sequence[dict[str, Any]]
) -> dict[str, str]:
    """Store each distinct content once, under a key made from its hash (a rerun writes
    the same key); the body key of each content id."""
    keys: dict[str, str] = {}
    for content in contents:
        body_id = content_id(content)
        if body_id not in keys:
            keys[body_id] = bodies.key(tenant_id, body_id)
            bodies.put(keys[body_id], content)
    return keys


def _drafts(
    ports: CampaignPorts,
    tenant_id: str,
    sends: list[CampaignSend],
    mailboxes: dict[str, Mailbox],
    subjects: dict[str, str],
) -> list[Message]:
    """The messages to create, after storing each distinct content they use once."""
    keys = store_contents(ports.bodies, tenant_id, [_content(send) for send in sends])
    now = ports.clock.now_iso()
    return [
        _message(
            tenant_id,
            s,
            mailboxes[s.mailbox_id],
            subjects[s.message_id],
            keys[content_id(_content(s))],
            now,
        )
        for s in sends
    ]


def _message(
    tenant_id: str, send: CampaignSend, mailbox: Mailbox, subject: str, body_key: str, now: str
) -> Message:
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
        tags=tuple(send.tags),
        metadata={},
        variables=dict(send.variables),
        body_key=body_key,
        template_id=None,
        track_opens=send.track_opens,
        track_clicks=send.track_clicks,
        queue=QUEUE,
        created_at=now,
        subject=subject,
        timeline=(messages.entry("queued", now),),
        campaign=send.campaign,
        in_reply_to=send.in_reply_to,
        references=tuple(send.references),
    )


def _queued(message: Message) -> dict[str, Any]:
    return messages.status_event(message, "queued", message.created_at, tags=list(message.tags))


def _statuses(
    ports: CampaignPorts,
    tenant_id: str,
    sends: list[CampaignSend],
    known: dict[str, str],
    stored: dict[tuple[str, str], tuple[Message, int]],
) -> dict[str, str]:
    """The status of each message this call did not create: as read before, or (created by
    a run that overlapped this one) read again."""
    missing = [s.message_id for s in sends if s.message_id not in known]
    unread = [(tenant_id, m) for m in missing if (tenant_id, m) not in stored]
    found = {**stored, **(ports.messages.get_many(unread) if unread else {})}
    return {
        m: found[(tenant_id, m)][0].status if (tenant_id, m) in found else "missing"
        for m in missing
    }
