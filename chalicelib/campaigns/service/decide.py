"""What the scheduler does with one due enrolment, decided from what it has read (no I/O):
stop it (the contact is no longer active or suppressed), finish it (the sequence ended, or
a condition step let it go no further), wait (outside the window, no capacity left today)
or send its next email now from a given mailbox. And where an enrolment goes after an email:
past the waits that follow, to the next condition or email step with its due time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.campaigns import model
from chalicelib.campaigns.rules.progress import condition_holds
from chalicelib.campaigns.rules.rotation import pick_mailbox
from chalicelib.campaigns.rules.waits import after_wait
from chalicelib.campaigns.rules.window import effective_zone, is_open, next_open
from chalicelib.campaigns.service.progress import step_counter
from chalicelib.core.clock import iso

if TYPE_CHECKING:
    from chalicelib.campaigns.model import Campaign, Enrolment
    from chalicelib.campaigns.rules.window import Window

RETRY_UNHEALTHY = timedelta(minutes=15)


@dataclass
class Budget:
    """What may still be allocated in this run: per mailbox, and for the campaign today."""

    remaining: dict[str, int]
    healthy: dict[str, bool]
    campaign_left: int | None  # None: the campaign has no daily limit


@dataclass(frozen=True)
class Decision:
    kind: str  # send | defer | stop | finish
    enrolment: Enrolment
    mailbox_id: str | None = None
    due_at: str | None = None
    reason: str | None = None


def next_midnight(now: datetime) -> datetime:
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1)


def decide(
    campaign: Campaign,
    window: Window,
    enrolment: Enrolment,
    contact: Any,
    suppressed: bool,
    budget: Budget,
    now: datetime,
) -> Decision:
    if contact is None or contact.status != "active":
        return Decision(
            "stop", enrolment, reason="contact_" + (contact.status if contact else "deleted")
        )
    position = _past_conditions(campaign, enrolment)
    if position is None:
        return Decision("finish", enrolment, reason="condition")
    if position >= len(campaign.steps):
        return Decision("finish", replace(enrolment, position=position), reason="done")
    enrolment = replace(enrolment, position=position)
    if suppressed:
        return Decision("stop", enrolment, reason="suppressed")
    if not is_open(window, contact.time_zone, now):
        return Decision("defer", enrolment, due_at=iso(next_open(window, contact.time_zone, now)))
    return _allocate(campaign, enrolment, budget, now)


def _past_conditions(campaign: Campaign, enrolment: Enrolment) -> int | None:
    position = enrolment.position
    while position < len(campaign.steps) and campaign.steps[position]["type"] != "email":
        step = campaign.steps[position]
        if step["type"] == "condition" and not condition_holds(
            step["condition"],
            enrolment.engaged("opened"),
            enrolment.engaged("clicked"),
            enrolment.engaged("replied"),
        ):
            return None
        position += 1
    return position


def _allocate(campaign: Campaign, enrolment: Enrolment, budget: Budget, now: datetime) -> Decision:
    allowed = list(campaign.settings["mailbox_ids"])
    sticky = enrolment.mailbox_id if enrolment.mailbox_id in allowed else None
    if budget.campaign_left is not None and budget.campaign_left <= 0:
        return Decision("defer", enrolment, due_at=iso(next_midnight(now)), reason="campaign_limit")
    chosen = pick_mailbox(sticky, budget.remaining, budget.healthy, allowed)
    if chosen is None:
        wanted = [sticky] if sticky else allowed
        unhealthy = all(not budget.healthy.get(m, False) for m in wanted)
        later = now + RETRY_UNHEALTHY if unhealthy else next_midnight(now)
        return Decision("defer", enrolment, due_at=iso(later), reason="mailbox_capacity")
    budget.remaining[chosen] -= 1
    if budget.campaign_left is not None:
        budget.campaign_left -= 1
    return Decision("send", enrolment, mailbox_id=chosen)


def after_email(
    campaign: Campaign,
    window: Window,
    enrolment: Enrolment,
    contact_zone: str | None,
    now: datetime,
) -> tuple[int, str | None]:
    """The position and due time after the email at ``enrolment.position`` went: past the
    waits that follow (due time None: the sequence is over)."""
    zone = effective_zone(window, contact_zone)
    position, due = enrolment.position + 1, now
    while position < len(campaign.steps) and campaign.steps[position]["type"] == "wait":
        step = campaign.steps[position]
        due = after_wait(due, step.get("hours"), step.get("business_days"), zone)
        position += 1
    return position, (iso(due) if position < len(campaign.steps) else None)


def moved_counts(
    campaign: Campaign,
    before: Enrolment,
    after: Enrolment,
    sent_variant: str | None = None,
    sent: bool = False,
) -> dict[str, int]:
    """How the progress counters move when ``before`` becomes ``after``."""
    counts: dict[str, int] = {}
    was = campaign.next_email(before.position) if before.status == model.ACTIVE else None
    now = campaign.next_email(after.position) if after.status == model.ACTIVE else None
    if sent:
        number = campaign.email_number(before.position)
        counts[step_counter(number, "queued")] = 1
        if sent_variant:
            counts[step_counter(number, "queued", sent_variant)] = 1
    if was != now:
        if was is not None:
            counts[step_counter(was, "waiting")] = -1
        if now is not None:
            counts[step_counter(now, "waiting")] = 1
    if before.status == model.ACTIVE and after.status != model.ACTIVE:
        counts["finished"] = 1
        if after.status == model.STOPPED:
            counts["stopped"] = 1
    return counts
