"""The campaigns model, pure: campaigns (steps and settings as validated plain data), their
lifecycle (PRODUCT.md "Statuses"), enrolments (one per campaign and contact, with a
deterministic id), and the values the scheduler hands the sender.

Steps are kept as the plain dicts the API validated (``{"type": "email" | "wait" |
"condition", …}``); an email step's number ``n`` is its 1-based rank among the email steps,
which is what messages, counters and flags name (``CampaignLink.step``)."""

from __future__ import annotations

import base64
import hashlib
import zlib
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.core.errors import Conflict
from chalicelib.core.events import Event, new_event

DRAFT, SCHEDULED, SENDING, PAUSED = "draft", "scheduled", "sending", "paused"
COMPLETED, CANCELLED = "completed", "cancelled"
FINAL = frozenset({COMPLETED, CANCELLED})
# action -> the statuses it may start from, and the status it leads to
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "schedule": (frozenset({DRAFT}), SCHEDULED),
    "start": (frozenset({DRAFT, SCHEDULED}), SENDING),
    "pause": (frozenset({SENDING}), PAUSED),
    "resume": (frozenset({PAUSED}), SENDING),
    "cancel": (frozenset({DRAFT, SCHEDULED, SENDING, PAUSED}), CANCELLED),
    "complete": (frozenset({SENDING}), COMPLETED),
}
# action -> the event stored with the change (``schedule`` has none)
LIFECYCLE_EVENTS = {
    "start": "campaign.started",
    "pause": "campaign.paused",
    "resume": "campaign.resumed",
    "complete": "campaign.completed",
    "cancel": "campaign.cancelled",
}
ENROLABLE = frozenset({DRAFT, SCHEDULED, SENDING, PAUSED})
EDITABLE = frozenset({DRAFT, SCHEDULED, SENDING, PAUSED})
ACTIVE, FINISHED, STOPPED = "active", "finished", "stopped"
SHARDS = 16  # enrolment partitions (and progress counter items) per campaign


@dataclass(frozen=True)
class Campaign:
    tenant_id: str
    campaign_id: str
    name: str
    status: str
    steps: tuple[dict[str, Any], ...]
    settings: dict[str, Any]
    created_at: str
    updated_at: str
    version: int = 0
    reached: int = -1  # the furthest step position any enrolment has been scheduled for
    started_at: str | None = None
    finished_at: str | None = None
    # email step number -> the A/B variant the auto-winner chose; recorded once, never changed
    winners: dict[str, str] = field(default_factory=dict)

    def email_positions(self) -> list[int]:
        """Positions (indexes into ``steps``) of the email steps, in order."""
        return [i for i, s in enumerate(self.steps) if s["type"] == "email"]

    def email_number(self, position: int) -> int:
        """The 1-based email step number of the email step at ``position``."""
        return self.email_positions().index(position) + 1

    def next_email(self, position: int) -> int | None:
        """The number of the first email step at or after ``position`` (None: no more)."""
        for number, at in enumerate(self.email_positions(), start=1):
            if at >= position:
                return number
        return None

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.campaign_id,
            "name": self.name,
            "status": self.status,
            "steps": [dict(s) for s in self.steps],
            "settings": dict(self.settings),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "winners": dict(self.winners),
        }


def transition(campaign: Campaign, action: str, now: str) -> Campaign:
    """The campaign after ``action``; ``Conflict`` (409) for a transition PRODUCT.md does
    not allow."""
    allowed, target = TRANSITIONS[action]
    if campaign.status not in allowed:
        raise Conflict(
            f"a {campaign.status} campaign cannot {action}",
            {"status": campaign.status, "action": action},
        )
    started = campaign.started_at or (now if target == SENDING else None)
    finished = now if target in FINAL else None
    reached = max(campaign.reached, 0) if target == SENDING else campaign.reached
    return replace(
        campaign,
        status=target,
        updated_at=now,
        started_at=started,
        finished_at=finished,
        reached=reached,
    )


def created_event(campaign: Campaign) -> Event:
    return new_event(
        "campaign.created",
        campaign.tenant_id,
        campaign.created_at,
        campaign_id=campaign.campaign_id,
        status=campaign.status,
    )


def lifecycle_events(before: Campaign, after: Campaign, action: str, actor: str) -> list[Event]:
    """The event of ``action`` (``before`` became ``after``), to store with the change;
    ``actor`` is ``api`` or ``scheduler``. Ids and statuses only."""
    kind = LIFECYCLE_EVENTS.get(action)
    if kind is None:
        return []
    fields = {"campaign_id": after.campaign_id, "status": after.status}
    fields |= {"previous_status": before.status, "actor": actor}
    return [new_event(kind, after.tenant_id, after.updated_at, **fields)]


def enrolment_id(campaign_id: str, contact_id: str) -> str:
    """``enr_`` + a stable hash of the pair: enrolling the same contact twice is one
    enrolment."""
    digest = hashlib.sha256(f"{campaign_id}\n{contact_id}".encode()).digest()
    return "enr_" + base64.b32encode(digest).decode("ascii").lower().rstrip("=")[:26]


def shard_of(enrolment: str) -> int:
    return zlib.crc32(enrolment.encode()) % SHARDS


@dataclass(frozen=True)
class Enrolment:
    tenant_id: str
    campaign_id: str
    enrolment_id: str
    contact_id: str
    status: str  # active | finished | stopped
    position: int  # index into the campaign's steps of the next step to run
    due_at: str | None  # when the next step is due (active only)
    enrolled_at: str
    updated_at: str
    version: int = 0
    lease_until: int = 0
    mailbox_id: str | None = None
    last_step: int = 0  # the number of the last email step enqueued (0: none yet)
    refs: tuple[str, ...] = ()  # Message-ID headers of the emails sent so far, in order
    variants: dict[str, str] = field(default_factory=dict)  # email step number -> variant
    flags: frozenset[str] = frozenset()  # "<n>:<what>" set by reactions, e.g. "1:opened"
    alloc_day: str | None = None  # the UTC day the last email was allocated on
    stop_reason: str | None = None

    @property
    def shard(self) -> int:
        return shard_of(self.enrolment_id)

    def engaged(self, what: str) -> bool:
        """Whether any email of the sequence was ``what`` (opened, clicked, replied)."""
        return any(f.endswith(":" + what) for f in self.flags)

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.enrolment_id,
            "contact_id": self.contact_id,
            "status": self.status,
            "step": self.last_step,
            "position": self.position,
            "next_send_at": self.due_at if self.status == ACTIVE else None,
            "mailbox_id": self.mailbox_id,
            "variants": dict(self.variants),
            "stop_reason": self.stop_reason,
            "enrolled_at": self.enrolled_at,
            "updated_at": self.updated_at,
        }


def new_enrolment(
    tenant_id: str, campaign_id: str, contact_id: str, now: str, due_at: str | None = None
) -> Enrolment:
    """An enrolment at the start of the sequence, first due at ``due_at`` (default now)."""
    return Enrolment(
        tenant_id=tenant_id,
        campaign_id=campaign_id,
        enrolment_id=enrolment_id(campaign_id, contact_id),
        contact_id=contact_id,
        status=ACTIVE,
        position=0,
        due_at=due_at or now,
        enrolled_at=now,
        updated_at=now,
    )


@dataclass(frozen=True)
class Link:
    """What a campaign message carries back to its enrolment (sending's ``CampaignLink``)."""

    campaign_id: str
    enrolment_id: str
    contact_id: str
    step: int
    variant: str | None


@dataclass(frozen=True)
class Outgoing:
    """One email the scheduler asks the sender to enqueue (sending's ``CampaignSend``)."""

    message_id: str
    mailbox_id: str
    to: str
    subject: str
    html: str | None
    text: str | None
    variables: dict[str, Any]
    campaign: Link
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    track_opens: bool = True
    track_clicks: bool = True
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Enqueued:
    message_id: str
    created: bool
    status: str


@dataclass(frozen=True)
class Capacity:
    mailbox_id: str
    remaining: int
    healthy: bool
    reason: str | None = None
