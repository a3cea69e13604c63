"""What the campaigns feature hands the sending feature and gets back: one send of one
campaign step to one contact (``CampaignSend``), what became of it (``EnqueueOutcome``),
a mailbox's room for more today (``MailboxCapacity``), and the ids a campaign message has
before it exists: its message id (derived from the enrolment and the step, so a rerun
names the same message) and its Message-ID header (which a follow-up quotes to thread).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.core import ids
from chalicelib.mail.addresses import message_id_header

if TYPE_CHECKING:
    from chalicelib.sending.rules.messages import CampaignLink


@dataclass(frozen=True)
class CampaignSend:
    message_id: str  # campaign_message_id(enrolment_id, step)
    mailbox_id: str
    to: str
    subject: str  # template sources, rendered with ``variables``
    html: str | None
    text: str | None
    variables: dict[str, Any]
    campaign: CampaignLink
    in_reply_to: str | None = None  # Message-ID header (with <>) of the message it answers
    references: tuple[str, ...] = ()
    track_opens: bool = True
    track_clicks: bool = True
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class EnqueueOutcome:
    message_id: str
    created: bool  # False: it existed already (a rerun)
    status: str  # the message's status now


@dataclass(frozen=True)
class MailboxCapacity:
    mailbox_id: str
    remaining: int  # today's cap (daily limit, or the warm-up cap when lower) minus sent
    healthy: bool  # False: status not sending, server circuit open, provider cool-down
    reason: str | None


def campaign_message_id(enrolment_id: str, step: int) -> str:
    """The message id of an enrolment's ``step``: the same every time it is asked for."""
    return ids.derived_id("msg", f"campaign-message:{enrolment_id}:{step}")


def rfc_message_id(message_id: str, from_address: str) -> str:
    """The Message-ID header the MIME builder writes for ``message_id`` sent from
    ``from_address`` (the domain of the From address is its right-hand side)."""
    return message_id_header(message_id, from_address.strip().rpartition("@")[2])
