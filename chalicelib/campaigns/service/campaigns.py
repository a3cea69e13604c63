"""Campaigns: create, read, change and delete, and the lifecycle actions (schedule, start,
pause, resume, cancel; PRODUCT.md "Statuses", any other transition a 409). Creation and
every lifecycle change but ``schedule`` store their ``campaign.*`` event with the change.

A change while the campaign runs (sending or paused) may touch only the steps no contact has
reached yet: the steps up to the furthest position the scheduler has moved any enrolment to
(``Campaign.reached``) must stay as they are."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalicelib.campaigns import model
from chalicelib.campaigns.service import validation
from chalicelib.core import ids
from chalicelib.core.errors import Conflict, NotFound, UnprocessableEntity

if TYPE_CHECKING:
    from chalicelib.campaigns.model import Campaign
    from chalicelib.campaigns.service.bundle import CampaignPorts
    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext

RUNNING = frozenset({model.SENDING, model.PAUSED})
DELETABLE = frozenset({model.DRAFT, model.COMPLETED, model.CANCELLED})


def find(ports: CampaignPorts, ctx: TenantContext, campaign_id: str) -> Campaign:
    found = (
        ports.campaigns.get(ctx.tenant_id, campaign_id)
        if ids.is_well_formed(campaign_id, "cmp")
        else None
    )
    if found is None:
        raise NotFound(f"campaign {campaign_id} not found", {"id": campaign_id})
    return found


def listed(
    ports: CampaignPorts, ctx: TenantContext, limit: int, token: str | None
) -> Page[Campaign]:
    return ports.campaigns.list(ctx.tenant_id, limit, token)


def create(
    ports: CampaignPorts,
    ctx: TenantContext,
    name: str,
    steps: list[dict[str, Any]],
    settings: dict[str, Any],
) -> Campaign:
    validation.check_settings(ports, ctx.tenant_id, settings)
    validation.check_steps(ports, ctx.tenant_id, steps)
    now = ports.clock.now_iso()
    campaign = model.Campaign(
        tenant_id=ctx.tenant_id,
        campaign_id=ids.new_sortable_id("cmp"),
        name=name,
        status=model.DRAFT,
        steps=tuple(_threaded_subjects(steps)),
        settings=settings,
        created_at=now,
        updated_at=now,
    )
    ports.campaigns.create(campaign, [model.created_event(campaign)])
    return campaign


def update(
    ports: CampaignPorts, ctx: TenantContext, campaign_id: str, changes: dict[str, Any]
) -> Campaign:
    campaign = find(ports, ctx, campaign_id)
    if campaign.status not in model.EDITABLE:
        raise Conflict(
            f"a {campaign.status} campaign cannot be changed", {"status": campaign.status}
        )
    if "settings" in changes:
        validation.check_settings(ports, ctx.tenant_id, changes["settings"])
    if "steps" in changes:
        validation.check_steps(ports, ctx.tenant_id, changes["steps"])
        steps = tuple(_threaded_subjects(changes["steps"]))
        _keep_reached_steps(campaign, steps)
        changes = {**changes, "steps": steps}
    changed = replace(campaign, **changes, updated_at=ports.clock.now_iso())
    _save(ports, changed, campaign.version)
    return replace(changed, version=campaign.version + 1)


def delete(ports: CampaignPorts, ctx: TenantContext, campaign_id: str) -> Campaign:
    campaign = find(ports, ctx, campaign_id)
    if campaign.status not in DELETABLE:
        raise Conflict(
            f"a {campaign.status} campaign cannot be deleted; cancel it first",
            {"status": campaign.status},
        )
    ports.campaigns.delete(ctx.tenant_id, campaign_id)
    return campaign


def act(ports: CampaignPorts, ctx: TenantContext, campaign_id: str, action: str) -> Campaign:
    campaign = find(ports, ctx, campaign_id)
    changed = model.transition(campaign, action, ports.clock.now_iso())
    if action == "schedule" and not campaign.settings.get("start_at"):
        raise UnprocessableEntity(
            "scheduling needs settings.start_at", {"field": "settings.start_at"}
        )
    _save(
        ports, changed, campaign.version, model.lifecycle_events(campaign, changed, action, "api")
    )
    return replace(changed, version=campaign.version + 1)


def _save(
    ports: CampaignPorts, campaign: Campaign, expect_version: int, events: list[Event] | None = None
) -> None:
    if not ports.campaigns.save(campaign, expect_version, events or []):
        raise Conflict(
            "the campaign changed meanwhile; read it again", {"id": campaign.campaign_id}
        )


def _keep_reached_steps(campaign: Campaign, steps: tuple[dict[str, Any], ...]) -> None:
    if campaign.status not in RUNNING or campaign.reached < 0:
        return
    frozen = campaign.reached + 1
    if steps[:frozen] != campaign.steps[:frozen]:
        first = next(
            (i for i in range(frozen) if i >= len(steps) or steps[i] != campaign.steps[i]),
            frozen - 1,
        )
        raise UnprocessableEntity(
            f"step {first} has been reached by contacts and can no longer change",
            {"field": f"steps[{first}]", "reached": campaign.reached},
        )


def _threaded_subjects(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A threaded follow-up without a subject of its own answers the first email: its
    subject is ``Re: <first step's subject>``. The steps are copied: the campaign owns
    its own."""
    steps = copy.deepcopy(steps)
    first = steps[0].get("subject") if steps and steps[0]["type"] == "email" else None
    shaped: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        threaded = step["type"] == "email" and index > 0 and step.get("thread", True)
        if threaded and not step.get("subject") and not step.get("template_id") and first:
            step = {**step, "subject": "Re: " + first}
        shaped.append(step)
    return shaped


def pause_by(ports: CampaignPorts, tenant_id: str, campaign_id: str, actor: str) -> str:
    """Pause a sending campaign on behalf of the platform (``actor``: ``health``), with its
    ``campaign.paused`` event: ``paused``, or why not (``not_found``, ``not_sending``,
    ``changed``: it moved meanwhile)."""
    campaign = ports.campaigns.get(tenant_id, campaign_id)
    if campaign is None:
        return "not_found"
    if campaign.status != model.SENDING:
        return "not_sending"
    changed = model.transition(campaign, "pause", ports.clock.now_iso())
    events = model.lifecycle_events(campaign, changed, "pause", actor)
    return "paused" if ports.campaigns.save(changed, campaign.version, events) else "changed"
