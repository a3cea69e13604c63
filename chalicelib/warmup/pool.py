"""The warm-up pool at work: every pool mailbox reads the warm-up mail it received and acts
on it like a person (``behaviour.plan_engagement``), through its own inbox (IMAP; locally
the local inbox). One ``run`` is one pass of the schedule over the pool:

1. **receive**: list the warm-up messages that arrived in the inbox and the spam folder
   since the mailbox's cursor; each one whose signed ``X-PM-Warmup`` token names a pool
   sender whose address is the message's From is stored with its planned actions, and its
   placement (inbox or spam) is credited to that sender's warm-up day. Anything else
   (a forged or expired token, a token for another address) is skipped.
2. **act**: do the actions that are due: rescue from spam (move to the inbox), flag it
   important, open it (mark it seen), click (counted only: warm-up mail has no link) and
   reply in the same thread through the send path. Each action is done, then recorded with
   its counter in one conditional write: an action repeated after a crash is harmless (a
   move of a message no longer in spam does nothing; the reply has a message id derived
   from the original's, so the send path creates it once) and counts once.

Delays are a person's (minutes to hours) scaled by the warm-up day's length: on the local
platform, where a day lasts seconds, an open 2 hours after arrival comes 2/24 of a day
later. A reply is never answered again: replies are only opened (a thread does not ping-
pong for ever). One mailbox that fails (its server down, a bad password) is reported and
the others go on.
"""

from __future__ import annotations

import email
import email.policy
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.core.clock import iso
from chalicelib.warmup.behaviour import ReceivedWarmup, plan_engagement
from chalicelib.warmup.content import WarmupOriginal, WarmupReply, compose_reply
from chalicelib.warmup.inbox import FOLDERS
from chalicelib.warmup.pool_store import Planned, Received, SenderRef

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.warmup.inbox import PoolInbox, PoolMessage
    from chalicelib.warmup.partners import PoolMember

logger = logging.getLogger(__name__)

DAY = timedelta(days=1)
COUNTED = {"rescue": "rescued", "open": "opened", "click": "clicked", "reply": "replied"}
TEXT_LIMIT = 4000


class PoolDirectory(Protocol):
    def members(self) -> list[PoolMember]:
        """Every mailbox in the pool now (all tenants)."""
        ...


class Inboxes(Protocol):
    def inbox(self, member: PoolMember) -> PoolInbox | None:
        """The member's inbox, None when it has none to read."""
        ...


class Senders(Protocol):
    def resolve(self, token: str) -> SenderRef | None:
        """The warm-up message a token was signed for; None when it is not one of ours."""
        ...


class Replies(Protocol):
    def send(self, member: PoolMember, received: Received, reply: WarmupReply) -> None:
        """Send ``member``'s reply to ``received`` through the send path, once (a repeated
        call sends nothing new)."""
        ...


class ReceivedStore(Protocol):
    def cursor(self, tenant_id: str, mailbox_id: str) -> dict[str, int]: ...

    def advance(self, tenant_id: str, mailbox_id: str, folder: str, uid: int) -> None: ...

    def receive(self, record: Received) -> bool: ...

    def due(self, tenant_id: str, mailbox_id: str, now: str, limit: int) -> list[Received]: ...

    def complete(self, record: Received, kind: str, counter: str | None) -> bool: ...


@dataclass
class PoolPorts:
    directory: PoolDirectory
    inboxes: Inboxes
    senders: Senders
    replies: Replies
    store: ReceivedStore
    clock: Clock
    day_seconds: float = 86400.0
    batch: int = 200  # messages listed, and actions done, per mailbox and run


@dataclass
class PoolRun:
    members: int = 0
    received: int = 0
    skipped: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)  # mailbox ids whose inbox failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "received": self.received,
            "skipped": self.skipped,
            "actions": dict(self.actions),
            "failed": list(self.failed),
        }


def run(ports: PoolPorts) -> PoolRun:
    """One pass over the pool: receive, then act, for every member."""
    result = PoolRun()
    for member in ports.directory.members():
        result.members += 1
        try:
            inbox = ports.inboxes.inbox(member)
            if inbox is None:
                continue
            receive(ports, member, inbox, result)
            act(ports, member, inbox, result)
        except Exception:  # noqa: BLE001 - one mailbox's failure never stops the pool
            logger.exception("warm-up pool: mailbox %s failed", member.mailbox_id)
            result.failed.append(member.mailbox_id)
    return result


def receive(ports: PoolPorts, member: PoolMember, inbox: PoolInbox, result: PoolRun) -> None:
    cursor = ports.store.cursor(member.tenant_id, member.mailbox_id)
    for folder in FOLDERS:
        listed = inbox.list_warmup(folder, cursor[folder], ports.batch)
        for message in listed:
            record = _received(ports, member, message)
            if record is None:
                result.skipped += 1
            elif ports.store.receive(record):
                result.received += 1
        if listed:
            ports.store.advance(member.tenant_id, member.mailbox_id, folder, listed[-1].uid)


def _received(ports: PoolPorts, member: PoolMember, message: PoolMessage) -> Received | None:
    sender = ports.senders.resolve(message.token)
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    original = _original(parsed)
    if sender is None or sender.mailbox_id == member.mailbox_id:
        return None
    if original["from"].lower() != sender.address.lower():
        return None  # a token copied onto someone else's mail
    now = ports.clock.now()
    plan = plan_engagement(
        ReceivedWarmup(message.message_id, message.folder, now), seed=member.mailbox_id
    )
    is_reply = bool(parsed.get("In-Reply-To"))
    scale = ports.day_seconds / DAY.total_seconds()
    planned = tuple(
        Planned(a.kind, iso(now + (a.at - now) * scale))
        for a in plan
        if not (is_reply and a.kind == "reply")
    )
    return Received(
        member.tenant_id,
        member.mailbox_id,
        message.message_id,
        message.folder,
        iso(now),
        sender,
        planned,
        original,
    )


def _original(parsed: Any) -> dict[str, Any]:
    addresses = getaddresses([str(parsed.get("From", ""))])
    body = parsed.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return {
        "from": addresses[0][1] if addresses else "",
        "subject": str(parsed.get("Subject", "")),
        "text": text[:TEXT_LIMIT],
        "references": str(parsed.get("References", "")).split(),
        "date": str(parsed.get("Date", "")),
    }


def act(ports: PoolPorts, member: PoolMember, inbox: PoolInbox, result: PoolRun) -> None:
    now = ports.clock.now()
    stamp = iso(now)
    for record in ports.store.due(member.tenant_id, member.mailbox_id, stamp, ports.batch):
        for step in sorted(record.pending, key=lambda p: p.at):
            if step.at > stamp:
                break
            counted = _do(ports, member, inbox, record, step.kind)
            if ports.store.complete(record, step.kind, COUNTED.get(step.kind) if counted else None):
                result.actions[step.kind] = result.actions.get(step.kind, 0) + 1
            record = replace(record, done=record.done | {step.kind})


def _do(
    ports: PoolPorts, member: PoolMember, inbox: PoolInbox, record: Received, kind: str
) -> bool:
    """Do one action; whether it counts (False when the message is gone)."""
    if kind == "rescue":
        inbox.move_to_inbox(record.message_id)
        return True  # moved now, or by an attempt that crashed before recording it
    if kind == "important":
        return inbox.flag_important(record.message_id)
    if kind == "open":
        return inbox.mark_seen(record.message_id)
    if kind == "reply":
        ports.replies.send(
            member, record, compose_reply(original_of(record), member.address, "pool")
        )
    return True  # click: counted only, warm-up mail has no link


def original_of(record: Received) -> WarmupOriginal:
    o = record.original
    return WarmupOriginal(
        message_id=record.message_id,
        from_address=o.get("from", "") or record.sender.address,
        subject=o.get("subject", ""),
        text=o.get("text", ""),
        sent_at=_date(o.get("date", "")),
        references=tuple(o.get("references") or ()),
    )


def _date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def placement(counts: dict[str, int]) -> dict[str, Any]:
    """The rates a day's pool counters show (of the messages the pool received)."""
    received = counts.get("inbox", 0) + counts.get("spam", 0)

    def share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    return {
        "received": received,
        "inbox_rate": share(counts.get("inbox", 0), received),
        "rescued_rate": share(counts.get("rescued", 0), counts.get("spam", 0)),
        "open_rate": share(counts.get("opened", 0), received),
        "reply_rate": share(counts.get("replied", 0), received),
    }
