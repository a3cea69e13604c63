"""What the warm-up feature hands the sending feature and gets back: one warm-up email
(``WarmupSend``), its deterministic message id (``warmup_message_id``), and what became of
it (``WarmupOutcome``). Also how the send path knows warm-up mail (``is_warmup``): its
``purpose`` metadata, the tag the analytics counters and the OLAP rows read too.

Warm-up mail is the mailbox's own: no tracking, no unsubscribe headers or footer (it goes to
pool mailboxes, not to contacts), its ``X-PM-Warmup`` header signed at build time, and it is
counted neither against the monthly allowance nor against the mailbox's daily cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.core import ids

if TYPE_CHECKING:
    from chalicelib.sending.rules.messages import Message

TAG = "warmup"
PURPOSE = "warmup"
HEADER = "X-PM-Warmup"
# Not settled while it may still be sent: queued, sending, or deferred awaiting its retry.
UNSETTLED = frozenset({"queued", "sending", "deferred"})


@dataclass(frozen=True)
class WarmupSend:
    message_id: str  # warmup_message_id(key)
    mailbox_id: str  # the sending mailbox (the caller's tenant's)
    to: str  # the pool mailbox it goes to
    subject: str  # sent as written (no template variables)
    text: str | None
    html: str | None
    warmup_on: str  # YYYY-MM-DD of the warm-up day it belongs to
    warmup_day: int
    scheduled_at: str | None = None  # ISO 8601 with zone: not sent before
    in_reply_to: str | None = None  # Message-ID header (with <>) of the message it answers
    references: tuple[str, ...] = ()
    reply: bool = False  # a reply in a warm-up thread


@dataclass(frozen=True)
class WarmupOutcome:
    status: str  # the message's status, or "missing"
    settled: bool  # no longer queued, sending or deferred awaiting its retry
    bounced: bool
    deferred: bool  # it was deferred at least once (throttled, or a temporary failure)
    complained: bool


def warmup_message_id(key: str) -> str:
    """The message id of the warm-up email named by ``key``: the same every time."""
    return ids.derived_id("msg", "warmup:" + key)


def metadata(send: WarmupSend) -> dict[str, str]:
    return {"purpose": PURPOSE, "warmup_on": send.warmup_on, "warmup_day": str(send.warmup_day)}


def is_warmup(message: Message) -> bool:
    """Whether ``message`` is warm-up mail."""
    return message.metadata.get("purpose") == PURPOSE or TAG in message.tags


def outcome(message: Message | None) -> WarmupOutcome:
    """What became of a warm-up message (``missing`` when there is none)."""
    if message is None:
        return WarmupOutcome("missing", True, False, False, False)
    seen = {str(item.get("status")) for item in message.timeline}
    events = {str(item.get("event")) for item in message.timeline}
    return WarmupOutcome(
        status=message.status,
        settled=message.status not in UNSETTLED,
        bounced=message.status == "bounced" or "bounced" in seen,
        deferred="deferred" in seen,
        complained="complained" in events or "complained" in seen,
    )
