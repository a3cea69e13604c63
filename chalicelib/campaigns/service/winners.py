"""The A/B auto-winner (setting ``ab_auto_winner {enabled, min_sample}``): once per campaign
and scheduler run, the per-variant progress of every email step without a winner is read
from the counters (sent and replied, one read of the sharded counters for the campaign) and
``rules.variants.winner`` asked for a leader; a leader is recorded on the campaign once, by
a conditional write, so a decision never flips. Contacts not yet sent that step then get
only the winner (``sends.Contents``); those already sent keep the variant they got."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalicelib.campaigns.rules.variants import winner
from chalicelib.campaigns.service.progress import step_counter

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.campaigns.model import Campaign
    from chalicelib.campaigns.service.bundle import CampaignPorts

DEFAULT_MIN_SAMPLE = 100


def undecided(campaign: Campaign) -> dict[int, list[str]]:
    """Email step number -> the names of its variants that can be sent (weight above 0),
    for the steps with two or more of them and no winner yet."""
    open_steps: dict[int, list[str]] = {}
    for number, position in enumerate(campaign.email_positions(), start=1):
        variants = campaign.steps[position].get("variants") or []
        names = [v["name"] for v in variants if int(v.get("weight", 1)) > 0]
        if len(names) >= 2 and str(number) not in campaign.winners:
            open_steps[number] = names
    return open_steps


def leaders(
    open_steps: Mapping[int, list[str]], counters: Mapping[str, int], min_sample: int
) -> dict[int, str]:
    """The steps whose variants' (sent, replied) counters name a winner, with it."""
    found: dict[int, str] = {}
    for number, names in open_steps.items():
        stats = {
            name: (
                counters.get(step_counter(number, "sent", name), 0),
                counters.get(step_counter(number, "replied", name), 0),
            )
            for name in names
        }
        leader = winner(stats, min_sample)
        if leader is not None:
            found[number] = leader
    return found


def settle(ports: CampaignPorts, campaign: Campaign) -> Campaign:
    """``campaign`` with its winners: those recorded and those the counters name now."""
    settings: dict[str, Any] = campaign.settings.get("ab_auto_winner") or {}
    open_steps = undecided(campaign)
    if not settings.get("enabled") or not open_steps:
        return campaign
    counters = ports.enrolments.progress(campaign.tenant_id, campaign.campaign_id)
    found = leaders(open_steps, counters, int(settings.get("min_sample", DEFAULT_MIN_SAMPLE)))
    if not found:
        return campaign
    for number, leader in found.items():
        ports.campaigns.set_winner(campaign.tenant_id, campaign.campaign_id, number, leader)
    # another run may have recorded a different leader first: what is stored is the winner
    stored = ports.campaigns.get(campaign.tenant_id, campaign.campaign_id)
    return replace(campaign, winners=dict(stored.winners)) if stored else campaign
