"""What inbound mail does: keep it, classify it, match it to the message it answers, and act.

Matching: the VERP return path first, then In-Reply-To/References against our Message-IDs
(both carry our message id, so matching is a key lookup, never a scan). Effects (PRODUCT.md
"Sending rules"): a bounce marks the message ``bounced`` with the reason and suppresses the
recipient (hard at once, soft after 3 in a row: the run is the sending feature's, counted
once per DSN and ended by a delivery or a reply); a complaint suppresses at once; replies and
auto-replies are recorded on the message's timeline and as events, the reply text kept in S3;
an out-of-office reply's event carries the return date its text gives (``return_on``).
A mail sent to a message's unsubscribe address (``unsubscribe+<id>@bounces.<domain>``) is
recognised by that address before classification and unsubscribes the message's recipient
through the sending feature, exactly as the one-click POST does (``how``: ``mailto``), when
the id is one of this tenant's messages; a forged or foreign id does nothing.
Warm-up mail (an ``X-PM-Warmup`` header, or a reply or auto-reply that answers one of our
warm-up messages) is kept as ``warmup``: never a reply, a lead or unmatched reply, never a
campaign's reaction; a person's reply to one of the tenant's own warm-up messages is recorded
on it (``message.replied``, which analytics counts only as the mailbox's ``warmup_replies``,
the message carrying ``purpose=warmup``), anything else does nothing more.
Unmatched mail is kept, never dropped. Each inbound message has a deterministic id (mailbox +
UID), so processing one twice changes nothing.

Events are stored with the write they belong to (``chalicelib.aws.outbox``): ``bounced`` with
the message's transition, ``replied``/``auto_replied``/``complained`` with the timeline entry
that records them on the message, ``recipient.suppressed`` with the suppression entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.core.clock import parse_iso
from chalicelib.core.events import Event, new_event
from chalicelib.inbound.rules.records import InboundMessage
from chalicelib.inbound.rules.return_date import return_date
from chalicelib.inbound.rules.unsubscribe import is_own_address, unsubscribe_targets
from chalicelib.sending import (
    Message,
    StaleWrite,
    Suppression,
    entry,
    normalise,
    status_event,
    with_status,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chalicelib.core.clock import Clock
    from chalicelib.inbound.ports import (
        Classifier,
        InboundStore,
        InboxSource,
        InboxState,
        MessageStore,
        RawStore,
        SoftBounces,
        SuppressionStore,
        Unsubscriber,
    )
    from chalicelib.inbound.rules.classify import Classification
    from chalicelib.mailboxes import Mailbox

SOFT_BOUNCES_TO_SUPPRESS = 3
EVENT_FOR = {"reply": "message.replied", "auto_reply": "message.auto_replied"}
WARMUP = "warmup"


@dataclass
class InboundPorts:
    messages: MessageStore
    inbound: InboundStore
    store: RawStore
    suppressions: SuppressionStore
    soft_bounces: SoftBounces
    clock: Clock
    classify: Classifier
    unsubscribe: Unsubscriber


def inbound_id(mailbox_id: str, uid: int) -> str:
    digest = hashlib.sha256(f"{mailbox_id}:{uid}".encode()).hexdigest()[:20]
    return f"inb_{digest}"


def handle(ports: InboundPorts, mailbox: Mailbox, uid: int, raw: bytes) -> InboundMessage:
    found = ports.classify(raw, mailbox.email)
    tenant_id, at = mailbox.tenant_id, ports.clock.now_iso()
    targets = unsubscribe_targets(raw, mailbox.email)
    if targets:
        matched = _unsubscribed(ports, tenant_id, targets)
    else:
        matched = _match(ports, tenant_id, found.message_ids)
    warmup = not targets and is_warmup_mail(found, matched)
    record = InboundMessage(
        tenant_id=tenant_id,
        inbound_id=inbound_id(mailbox.mailbox_id, uid),
        mailbox_id=mailbox.mailbox_id,
        received_at=found.received_at or at,
        kind="unsubscribe" if targets else WARMUP if warmup else found.kind,
        from_address=found.from_address,
        subject=found.subject[:500],
        message_id_header=found.message_id_header[:500],
        raw_key=f"tenant/{tenant_id}/inbound/{inbound_id(mailbox.mailbox_id, uid)}.eml",
        matched_message_id=matched.message_id if matched else None,
        bounce_type=found.bounce_type,
        recipients=tuple(found.recipients)[:50],
        status_codes=tuple(found.status_codes)[:20],
        diagnostic=found.diagnostic[:500],
        feedback_type=found.feedback_type,
    )
    ports.store.put_raw(record.raw_key, raw)
    if found.kind in EVENT_FOR and found.reply_text and not warmup:
        text_key = record.raw_key[:-4] + ".txt"
        record = replace(record, reply_text_key=text_key)
        ports.store.put_text(text_key, found.reply_text)
    ports.inbound.save(record)
    if warmup:
        _warmup_reply(ports, record, matched, found.kind, at)
    else:
        _act(ports, record, matched, at, _return_on(found, record.received_at))
    return record


def is_warmup_message(message: Message | None) -> bool:
    """Whether ``message`` is one of our warm-up messages."""
    return message is not None and (
        message.metadata.get("purpose") == WARMUP or WARMUP in message.tags
    )


def is_warmup_mail(found: Classification, matched: Message | None) -> bool:
    """Warm-up mail: a reply, auto-reply or unknown mail with an ``X-PM-Warmup`` header, or
    one answering our warm-up message. Bounces and complaints stay what they are."""
    if found.kind not in ("reply", "auto_reply", "unknown"):
        return False
    return bool(found.warmup_token) or is_warmup_message(matched)


def _warmup_reply(
    ports: InboundPorts, record: InboundMessage, matched: Message | None, kind: str, at: str
) -> None:
    """A person's reply to our warm-up message, noted on it; nothing else is acted on."""
    if kind != "reply" or matched is None or not is_warmup_message(matched):
        return
    event = _event("message.replied", record, matched, at)
    _note(ports, matched, at, event, event="reply", inbound_id=record.inbound_id, warmup=True)


def _return_on(found: Classification, received_at: str) -> str | None:
    """An out-of-office reply's return date (``YYYY-MM-DD``) when its text gives one."""
    if found.kind != "auto_reply":
        return None
    when = return_date(f"{found.subject}\n{found.reply_text}", parse_iso(received_at))
    return when.isoformat() if when else None


def _match(ports: InboundPorts, tenant_id: str, candidates: Iterable[str]) -> Message | None:
    for message_id in list(candidates)[:10]:
        message = ports.messages.get(tenant_id, message_id)
        if message is not None:
            return message
    return None


def _unsubscribed(
    ports: InboundPorts, tenant_id: str, targets: Iterable[tuple[str, str]]
) -> Message | None:
    """The tenant's message whose own unsubscribe address the mail was sent to, if any."""
    for message_id, host in targets:
        message = ports.messages.get(tenant_id, message_id)
        if message is not None and is_own_address(host, message.from_address):
            return message
    return None


def _act(
    ports: InboundPorts,
    record: InboundMessage,
    matched: Message | None,
    at: str,
    return_on: str | None = None,
) -> None:
    if record.kind == "unsubscribe":
        if matched is not None:  # its own events, stored with the suppression entry
            ports.unsubscribe(record.tenant_id, matched.message_id, "mailto")
        return
    if record.kind == "bounce":
        _bounce(ports, record, matched, at)
    elif record.kind == "complaint":
        _complaint(ports, record, matched, at)
    elif record.kind in EVENT_FOR and matched is not None:
        extra = {"return_on": return_on} if return_on else {}
        event = _event(EVENT_FOR[record.kind], record, matched, at, **extra)
        _note(ports, matched, at, event, event=record.kind, inbound_id=record.inbound_id)
        if record.kind == "reply":  # a person answered: the mailbox takes mail again
            ports.soft_bounces.end(record.tenant_id, normalise(matched.to))


def _event(kind: str, record: InboundMessage, matched: Message, at: str, **extra: Any) -> Event:
    return new_event(
        kind,
        record.tenant_id,
        at,
        message_id=matched.message_id,
        inbound_id=record.inbound_id,
        **matched.campaign_fields(),
        **extra,
    )


def _bounce(ports: InboundPorts, record: InboundMessage, matched: Message | None, at: str) -> None:
    hard = record.bounce_type != "soft"
    addresses = set(record.recipients) or ({normalise(matched.to)} if matched else set())
    if matched is not None:
        reason = f"{'hard' if hard else 'soft'} bounce {' '.join(record.status_codes)}".strip()
        if hard:
            _mark_bounced(ports, matched, at, reason, record)
        else:
            _note(
                ports,
                matched,
                at,
                None,
                event="soft_bounce",
                inbound_id=record.inbound_id,
                status_codes=list(record.status_codes),
                diagnostic=record.diagnostic[:300],
            )
    for address in sorted(addresses)[:50]:
        count = (
            1 if hard else ports.soft_bounces.record(record.tenant_id, address, record.inbound_id)
        )
        if hard or count >= SOFT_BOUNCES_TO_SUPPRESS:
            _suppress(
                ports,
                record,
                address,
                "bounce",
                at,
                f"{'hard' if hard else str(count) + ' soft'} bounce "
                f"{' '.join(record.status_codes)}".strip(),
            )


def _complaint(
    ports: InboundPorts, record: InboundMessage, matched: Message | None, at: str
) -> None:
    addresses = set(record.recipients) or ({normalise(matched.to)} if matched else set())
    if matched is not None:
        event = _event(
            "message.complained", record, matched, at, feedback_type=record.feedback_type or "abuse"
        )
        _note(
            ports,
            matched,
            at,
            event,
            event="complained",
            inbound_id=record.inbound_id,
            feedback_type=record.feedback_type,
        )
    for address in sorted(addresses)[:50]:
        _suppress(
            ports,
            record,
            address,
            "complaint",
            at,
            f"complaint ({record.feedback_type or 'abuse'})",
        )


def _suppress(
    ports: InboundPorts, record: InboundMessage, address: str, source: str, at: str, reason: str
) -> bool:
    entry = Suppression(
        normalise(address), "tenant", reason, source, at, f"inbound:{record.inbound_id}"
    )
    event = new_event(
        "recipient.suppressed",
        record.tenant_id,
        at,
        address=entry.address,
        reason=reason,
        source=source,
        message_id=record.matched_message_id or "msg_unmatched",
    )
    return ports.suppressions.add(record.tenant_id, entry, [event])


def _mark_bounced(
    ports: InboundPorts, message: Message, at: str, reason: str, record: InboundMessage
) -> bool:
    if message.status not in ("sent", "delivered"):
        return False
    bounced = with_status(
        message,
        "bounced",
        at,
        reason=reason,
        inbound_id=record.inbound_id,
        diagnostic=record.diagnostic[:300],
    )
    event = status_event(message, "bounced", at, reason=reason[:500])
    try:
        ports.messages.transition(bounced, (message.status,), message.attempts, events=[event])
    except StaleWrite:
        return False
    return True


NOTE_TRIES = 3


def _note(
    ports: InboundPorts, message: Message, at: str, stored: Event | None, **details: Any
) -> bool:
    """An engagement entry on the timeline, stored with its event; the status stays what it
    is. A message that moved on meanwhile is read again and the entry added to what it is
    now; an entry of this inbound message already there means it was processed before."""
    current: Message | None = message
    for _ in range(NOTE_TRIES):
        if current is None or _noted_before(current, details.get("inbound_id")):
            return False
        entries = (*current.timeline, entry(current.status, at, **details))
        try:
            ports.messages.transition(
                replace(current, timeline=entries),
                (current.status,),
                current.attempts,
                events=[stored] if stored else [],
            )
        except StaleWrite:
            current = ports.messages.get(current.tenant_id, current.message_id)
            continue
        return True
    return False


def _noted_before(message: Message, inbound_id: str | None) -> bool:
    return inbound_id is not None and any(
        e.get("inbound_id") == inbound_id for e in message.timeline
    )


def process(
    ports: InboundPorts, mailbox: Mailbox, source: InboxSource, state: InboxState, limit: int = 200
) -> int:
    """New messages of one mailbox since the last UID seen, oldest first; the UID is saved
    after each one, so a crash repeats at most one message (and that is idempotent)."""
    last = state.last_uid(mailbox.tenant_id, mailbox.mailbox_id)
    handled = 0
    for uid, raw in source.fetch_since(last, limit):
        handle(ports, mailbox, uid, raw)
        state.save_uid(mailbox.tenant_id, mailbox.mailbox_id, uid)
        handled += 1
    return handled
