"""Messages: one email to one recipient, its status and its timeline.

Statuses (PRODUCT.md "Statuses"): ``queued → sending → sent``; ``deferred`` while a
transient failure waits for its retry; ``failed`` after the last attempt; ``bounced`` on a
permanent refusal; ``suppressed`` when a guard stops it; ``cancelled`` by the tenant before
it was sent. ``delivered`` when the bounce window (72 hours, PRODUCT.md) passes after ``sent``
with no bounce; a bounce that comes later still makes it ``bounced``.

A campaign's message carries its ``CampaignLink`` (campaign, enrolment, contact, step,
variant): every ``message.*`` event written about it names them, so the campaign's
reactions need not read the message. A follow-up carries its thread (``in_reply_to``,
``references``: Message-ID header values, angle brackets included).

The timeline records every transition with its time, the attempt, and for SMTP outcomes the
reply code, the enhanced status and the server's text. It is bounded (attempts are), so it
stays inside the message item.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.clock import parse_iso
from chalicelib.core.errors import Conflict
from chalicelib.core.events import Event, new_event

STATUSES = (
    "queued",
    "sending",
    "sent",
    "deferred",
    "failed",
    "bounced",
    "suppressed",
    "cancelled",
    "delivered",
)
FINAL = frozenset({"sent", "failed", "bounced", "suppressed", "cancelled", "delivered"})
WAITING = frozenset({"queued", "deferred"})
TIMELINE_TEXT_LIMIT = 300


@dataclass(frozen=True)
class CampaignLink:
    """Which campaign step and enrolment a message was sent for."""

    campaign_id: str  # cmp_…
    enrolment_id: str  # enr_…
    contact_id: str
    step: int  # 1-based index of the email step in the campaign
    variant: str | None  # A/B variant name, or None

    def event_fields(self) -> dict[str, Any]:
        """The fields every ``message.*`` event of the message carries (None left out)."""
        found = {
            "campaign_id": self.campaign_id,
            "enrolment_id": self.enrolment_id,
            "contact_id": self.contact_id,
            "step": self.step,
            "variant": self.variant,
        }
        return {name: value for name, value in found.items() if value is not None}


class StaleWrite(Exception):
    """The stored message changed under us: its status or attempt is not the one expected."""


@dataclass(frozen=True)
class Message:
    tenant_id: str
    message_id: str
    status: str
    mailbox_id: str
    domain_id: str
    from_address: str
    from_name: str
    to: str
    reply_to: str | None
    headers: dict[str, str]
    tags: tuple[str, ...]
    metadata: dict[str, str]
    variables: dict[str, Any] | None
    body_key: str
    template_id: str | None
    track_opens: bool
    track_clicks: bool
    queue: str  # priority | bulk
    created_at: str
    scheduled_at: str | None = None
    attempts: int = 0
    subject: str = ""
    timeline: tuple[dict[str, Any], ...] = field(default=())
    batch_id: str | None = None
    engagement: dict[str, Any] = field(default_factory=dict)
    campaign: CampaignLink | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = field(default=())

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def to_public(self, with_timeline: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.message_id,
            "status": self.status,
            "from": self.from_address,
            "from_name": self.from_name,
            "mailbox_id": self.mailbox_id,
            "to": self.to,
            "subject": self.subject,
            "tags": list(self.tags),
            "metadata": dict(self.metadata),
            "template_id": self.template_id,
            "track_opens": self.track_opens,
            "track_clicks": self.track_clicks,
            "attempts": self.attempts,
            "scheduled_at": self.scheduled_at,
            "created_at": self.created_at,
            "batch_id": self.batch_id,
        }
        if self.campaign is not None:
            body["campaign_id"] = self.campaign.campaign_id
            body["step"] = self.campaign.step
        if with_timeline:
            body["timeline"] = [dict(entry) for entry in self.timeline]
            body["engagement"] = self.engagement_view()
        return body

    def campaign_fields(self) -> dict[str, Any]:
        """What its events carry about the campaign (empty for a message of no campaign)."""
        return self.campaign.event_fields() if self.campaign is not None else {}

    def engagement_view(self) -> dict[str, Any]:
        """Opens and clicks (people and machines apart) from the events, and the replies,
        auto-replies, complaints and bounce from the timeline."""
        e = self.engagement
        events = [entry.get("event") for entry in self.timeline]
        return {
            "opens": {"human": e.get("opens_human", 0), "machine": e.get("opens_machine", 0)},
            "clicks": {"human": e.get("clicks_human", 0), "machine": e.get("clicks_machine", 0)},
            "last_open_at": e.get("last_opens_at"),
            "last_click_at": e.get("last_clicks_at"),
            "replies": events.count("reply"),
            "auto_replies": events.count("auto_reply"),
            "complained": "complained" in events,
            "bounced": self.status == "bounced",
        }


def entry(status: str, at: str, **details: Any) -> dict[str, Any]:
    """One timeline entry; empty details are left out, long server texts are cut."""
    item: dict[str, Any] = {"status": status, "at": at}
    for name, value in details.items():
        if value is None or value == "":
            continue
        if isinstance(value, str) and len(value) > TIMELINE_TEXT_LIMIT:
            value = value[:TIMELINE_TEXT_LIMIT] + "…"
        item[name] = value
    return item


def with_status(message: Message, status: str, at: str, **details: Any) -> Message:
    return replace(
        message, status=status, timeline=(*message.timeline, entry(status, at, **details))
    )


def cancel(message: Message, at: str) -> Message:
    """Cancel a message that has not been handed to a server yet; 409 otherwise."""
    if message.status not in WAITING:
        raise Conflict(
            f"message {message.message_id} is {message.status} and can no longer be cancelled",
            {"id": message.message_id, "status": message.status},
        )
    return with_status(message, "cancelled", at, reason="cancelled by the tenant")


BOUNCE_WINDOW = timedelta(hours=72)


def sent_at(message: Message) -> datetime | None:
    """When the server accepted the message (its last ``sent`` entry), if it did."""
    for item in reversed(message.timeline):
        if item.get("status") == "sent" and item.get("at"):
            return parse_iso(str(item["at"]))
    return None


def delivery_due(message: Message) -> datetime | None:
    """When a ``sent`` message becomes ``delivered`` if no bounce comes first; None for any
    other status."""
    accepted = sent_at(message) if message.status == "sent" else None
    return accepted + BOUNCE_WINDOW if accepted is not None else None


def deliver(message: Message, at: str) -> Message:
    """``sent`` → ``delivered``: the bounce window passed with no bounce."""
    return with_status(message, "delivered", at, window_hours=BOUNCE_WINDOW // timedelta(hours=1))


def status_event(message: Message, status: str, at: str, **fields: Any) -> Event:
    """The ``message.<status>`` event of a change to ``message``: who it is for and from
    which mailbox, its campaign's fields when it has one, plus ``fields`` (empty ones left
    out). A guard's ``step`` (deferred, suppressed) keeps its name, as before campaigns; the
    campaign's step is then ``campaign_step``."""
    given = {k: v for k, v in fields.items() if v is not None and v != ""}
    campaign = message.campaign_fields()
    if "step" in given and "step" in campaign:
        campaign["campaign_step"] = campaign.pop("step")
    given = campaign | given
    return new_event(
        f"message.{status}",
        message.tenant_id,
        at,
        message_id=message.message_id,
        mailbox_id=message.mailbox_id,
        to=message.to,
        **given,
    )
