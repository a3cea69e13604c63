"""Campaign progress from its counters (summed over the counter shards, never by counting
enrolments), and the names of those counters: ``enrolled``, ``finished`` (every enrolment
that will send nothing more), ``stopped`` (of which stopped by a reply, bounce, unsubscribe,
complaint, an inactive contact or a condition), and per email step ``s<n>:<metric>`` and per
A/B variant ``s<n>:<variant>:<metric>``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.campaigns.service.campaigns import find

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.campaigns.model import Campaign
    from chalicelib.campaigns.service.bundle import CampaignPorts
    from chalicelib.core.tenancy import TenantContext

STEP_METRICS = (
    "waiting",
    "queued",
    "sent",
    "delivered",
    "bounced",
    "opened",
    "clicked",
    "replied",
    "unsubscribed",
    "complained",
)
VARIANT_METRICS = STEP_METRICS[1:]


def step_counter(step: int, metric: str, variant: str | None = None) -> str:
    return f"s{step}:{variant}:{metric}" if variant else f"s{step}:{metric}"


def shaped(campaign: Campaign, counters: Mapping[str, int]) -> dict[str, Any]:
    steps = []
    for number, position in enumerate(campaign.email_positions(), start=1):
        row: dict[str, Any] = {"step": number, "position": position}
        row |= {m: max(0, counters.get(step_counter(number, m), 0)) for m in STEP_METRICS}
        names = [v["name"] for v in campaign.steps[position].get("variants") or []]
        row["variants"] = {
            name: {
                m: max(0, counters.get(step_counter(number, m, name), 0)) for m in VARIANT_METRICS
            }
            for name in names
        }
        steps.append(row)
    enrolled, finished = counters.get("enrolled", 0), counters.get("finished", 0)
    return {
        "enrolled": enrolled,
        "active": max(0, enrolled - finished),
        "finished": finished,
        "stopped": counters.get("stopped", 0),
        "steps": steps,
    }


def with_progress(ports: CampaignPorts, ctx: TenantContext, campaign_id: str) -> dict[str, Any]:
    campaign = find(ports, ctx, campaign_id)
    counters = ports.enrolments.progress(ctx.tenant_id, campaign.campaign_id)
    return {**campaign.to_public(), "progress": shaped(campaign, counters)}


def all_done(counters: Mapping[str, int]) -> bool:
    enrolled = counters.get("enrolled", 0)
    return enrolled > 0 and counters.get("finished", 0) >= enrolled
