"""Reactions to message events of campaign messages: each sets its (enrolment, step) flag
and moves the campaign's counters in one transaction, so a redelivered event counts once
(the flag is already there and nothing is written). A reply (when the campaign stops on
replies), a bounce, an unsubscribe or a complaint stops the contact's sequence and sets the
contact's status; an out-of-office reply with a return date delays the next step until that
morning; a message that left the queue settles the scheduler's allocation of its mailbox.

Opens and clicks come from the tracking route without the campaign link: the message is
read once for it. Machine opens and scanner clicks are not counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.campaigns import model
from chalicelib.campaigns.rules.progress import ooo_delay
from chalicelib.campaigns.rules.window import effective_zone, parse_window
from chalicelib.campaigns.service.progress import step_counter
from chalicelib.core.clock import iso, parse_iso

if TYPE_CHECKING:
    from chalicelib.campaigns.model import Campaign, Enrolment
    from chalicelib.campaigns.service.bundle import CampaignPorts
    from chalicelib.core.events import Event

METRICS = {
    "message.sent": "sent",
    "message.delivered": "delivered",
    "message.bounced": "bounced",
    "message.opened": "opened",
    "message.clicked": "clicked",
    "message.replied": "replied",
    "message.unsubscribed": "unsubscribed",
    "message.complained": "complained",
    "message.auto_replied": "auto_replied",
    "message.failed": "failed",
    "message.suppressed": "suppressed",
    "message.cancelled": "cancelled",
}
COUNTED = frozenset(
    {"sent", "delivered", "bounced", "opened", "clicked", "replied", "unsubscribed", "complained"}
)
STOPS = {"bounced": "bounced", "unsubscribed": "unsubscribed", "complained": "complained"}
SETTLES = frozenset({"sent", "failed", "suppressed", "cancelled"})  # left the queue
HUMAN_ONLY = frozenset({"opened", "clicked"})


@dataclass
class Batch:
    """What one batch of events needs more than once: campaigns, and the settled
    allocations (written once per tenant and day at the end)."""

    campaigns: dict[tuple[str, str], Campaign | None] = field(default_factory=dict)
    settled: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)


def react_many(ports: CampaignPorts, events: list[Event]) -> int:
    """Apply every event; how many changed something."""
    batch, changed = Batch(), 0
    for event in events:
        changed += int(react(ports, event, batch))
    for (tenant_id, day), counts in batch.settled.items():
        ports.enrolments.allocate(tenant_id, day, counts)
    return changed


def react(ports: CampaignPorts, event: Event, batch: Batch) -> bool:
    metric = METRICS.get(str(event.get("type")))
    if metric is None or (metric in HUMAN_ONLY and event.get("actor", "human") != "human"):
        return False
    link = _link(ports, event)
    if link is None:
        return False
    tenant_id = str(event["tenant_id"])
    campaign = _campaign(ports, batch, tenant_id, str(link["campaign_id"]))
    enrolment = ports.enrolments.get_many(
        tenant_id, str(link["campaign_id"]), [str(link["enrolment_id"])]
    ).get(str(link["enrolment_id"]))
    if campaign is None or enrolment is None:
        return False
    return _apply(
        ports, batch, campaign, enrolment, event, metric, int(link["step"]), link.get("variant")
    )


def _link(ports: CampaignPorts, event: Event) -> dict[str, Any] | None:
    if event.get("campaign_id") and event.get("enrolment_id") and event.get("step"):
        return {
            k: event.get(k)
            for k in ("campaign_id", "enrolment_id", "contact_id", "step", "variant")
        }
    if event.get("type") in ("message.opened", "message.clicked") and event.get("message_id"):
        return ports.sender.message_campaign(str(event["tenant_id"]), str(event["message_id"]))
    return None


def _campaign(
    ports: CampaignPorts, batch: Batch, tenant_id: str, campaign_id: str
) -> Campaign | None:
    key = (tenant_id, campaign_id)
    if key not in batch.campaigns:
        batch.campaigns[key] = ports.campaigns.get(tenant_id, campaign_id)
    return batch.campaigns[key]


def _apply(
    ports: CampaignPorts,
    batch: Batch,
    campaign: Campaign,
    enrolment: Enrolment,
    event: Event,
    metric: str,
    step: int,
    variant: Any,
) -> bool:
    variant = variant or enrolment.variants.get(str(step))
    flags, counts = [f"{step}:{metric}"], {}
    if metric in COUNTED:
        counts[step_counter(step, metric)] = 1
        if variant:
            counts[step_counter(step, metric, str(variant))] = 1
    if metric in SETTLES:
        flags.append(f"{step}:settled")
    changes = _stop_changes(ports, campaign, enrolment, event, metric, counts)
    if metric == "auto_replied":
        changes |= _ooo_changes(ports, campaign, enrolment, event)
    if not ports.enrolments.flag(enrolment, flags, counts, changes):
        return False
    if metric in SETTLES and enrolment.mailbox_id and enrolment.alloc_day:
        _settle(batch, enrolment)
    return True


def _stop_reason(campaign: Campaign, metric: str) -> str | None:
    if metric == "replied":
        return "replied" if campaign.settings.get("stop_on_reply", True) else None
    if metric == "suppressed":
        return "suppressed"
    return STOPS.get(metric)


def _stop_changes(
    ports: CampaignPorts,
    campaign: Campaign,
    enrolment: Enrolment,
    event: Event,
    metric: str,
    counts: dict[str, int],
) -> dict[str, Any]:
    reason = _stop_reason(campaign, metric)
    if reason is None:
        return {}
    if reason != "suppressed":
        at = str(event.get("occurred_at") or ports.clock.now_iso())
        ports.contacts.set_status(enrolment.tenant_id, enrolment.contact_id, reason, metric, at)
    if enrolment.status != model.ACTIVE:
        return {}
    waiting = campaign.next_email(enrolment.position)
    if waiting is not None:
        counts[step_counter(waiting, "waiting")] = -1
    counts["finished"] = 1
    counts["stopped"] = 1
    return {"status": model.STOPPED, "due_at": None, "stop_reason": reason}


def _ooo_changes(
    ports: CampaignPorts, campaign: Campaign, enrolment: Enrolment, event: Event
) -> dict[str, Any]:
    if enrolment.status != model.ACTIVE or not enrolment.due_at or not event.get("return_on"):
        return {}
    window = campaign.settings["window"]
    parsed = parse_window(window["weekdays"], window["start"], window["end"], window["time_zone"])
    contact = ports.contacts.get_many(enrolment.tenant_id, [enrolment.contact_id]).get(
        enrolment.contact_id
    )
    zone = effective_zone(parsed, contact.time_zone if contact else None)
    later = ooo_delay(str(event["return_on"]), zone, parse_iso(enrolment.due_at))
    return {"due_at": iso(later)} if later > parse_iso(enrolment.due_at) else {}


def _settle(batch: Batch, enrolment: Enrolment) -> None:
    counts = batch.settled.setdefault((enrolment.tenant_id, str(enrolment.alloc_day)), {})
    name = f"x:{enrolment.mailbox_id}"
    counts[name] = counts.get(name, 0) + 1
