"""Campaigns: create, read (with progress), change, delete, the lifecycle actions, enrolment
and the list of a campaign's enrolments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.errors import UnprocessableEntity
from chalicelib.core.pagination import parse_limit
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.campaigns import wiring
    from chalicelib.campaigns.service import campaigns, enrolment, progress
    from chalicelib.http.views import Call
else:
    campaigns = lazy.module("chalicelib.campaigns.service.campaigns")
    enrolment = lazy.module("chalicelib.campaigns.service.enrolment")
    progress = lazy.module("chalicelib.campaigns.service.progress")
    wiring = lazy.module("chalicelib.campaigns.wiring")

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.campaigns.schemas."
ONE = "/campaigns/{campaign_id}"
ACTIONS = {
    "schedule": "Schedule a draft to start at settings.start_at.",
    "start": "Start sending now (a draft or a scheduled campaign).",
    "pause": "Pause a sending campaign.",
    "resume": "Resume a paused campaign.",
    "cancel": "Cancel a campaign that is not completed or cancelled.",
}


def _dumped(body: Any) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_none=True, exclude_unset=False)


@route(
    bp,
    "/campaigns",
    "POST",
    auth="full",
    tag="campaigns",
    body=M + "CreateCampaign",
    reply=M + "CampaignReply",
    status=201,
    action="campaign.create",
    errors=(400, 401, 403, 422),
    summary="Create a draft campaign; mailboxes, window, steps and variables are checked now.",
)
def create_campaign(call: Call) -> Reply:
    b = _dumped(call.body)
    made = campaigns.create(wiring.ports(), call.tenant, b["name"], b["steps"], b["settings"])
    return Reply(made.to_public(), 201, resource_id=made.campaign_id)


@route(
    bp,
    "/campaigns",
    "GET",
    auth="full",
    tag="campaigns",
    reply=M + "CampaignPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="List campaigns, newest first.",
)
def list_campaigns(call: Call) -> Reply:
    limit = parse_limit(call.query.get("limit"))
    page = campaigns.listed(wiring.ports(), call.tenant, limit, call.query.get("next_token"))
    return Reply(page.shaped(lambda c: c.to_public()))


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="campaigns",
    reply=M + "CampaignDetail",
    errors=(401, 403, 404),
    summary="A campaign with its progress (from counters), per step and A/B variant.",
)
def get_campaign(call: Call, campaign_id: str) -> Reply:
    return Reply(progress.with_progress(wiring.ports(), call.tenant, campaign_id))


@route(
    bp,
    ONE,
    "PATCH",
    auth="full",
    tag="campaigns",
    body=M + "UpdateCampaign",
    reply=M + "CampaignReply",
    action="campaign.update",
    errors=(400, 401, 403, 404, 409, 422),
    summary="Change name, settings or steps; while running, only steps no contact reached.",
)
def update_campaign(call: Call, campaign_id: str) -> Reply:
    changes: dict[str, Any] = {}
    if call.body.settings is not None:
        changes["settings"] = _dumped(call.body.settings)
    if call.body.name is not None:
        changes["name"] = call.body.name
    if call.body.steps is not None:
        changes["steps"] = [s.model_dump(mode="json", exclude_none=True) for s in call.body.steps]
    changed = campaigns.update(wiring.ports(), call.tenant, campaign_id, changes)
    return Reply(changed.to_public(), resource_id=campaign_id)


@route(
    bp,
    ONE,
    "DELETE",
    auth="full",
    tag="campaigns",
    reply=M + "CampaignReply",
    action="campaign.delete",
    errors=(401, 403, 404, 409),
    summary="Delete a draft, completed or cancelled campaign.",
)
def delete_campaign(call: Call, campaign_id: str) -> Reply:
    gone = campaigns.delete(wiring.ports(), call.tenant, campaign_id)
    return Reply(gone.to_public(), resource_id=campaign_id)


def _action_route(action: str, summary: str) -> None:
    @route(
        bp,
        f"{ONE}/{action}",
        "POST",
        auth="full",
        tag="campaigns",
        reply=M + "CampaignReply",
        action=f"campaign.{action}",
        errors=(401, 403, 404, 409, 422),
        summary=summary + " Any other transition is a 409.",
    )
    def act(call: Call, campaign_id: str) -> Reply:
        changed = campaigns.act(wiring.ports(), call.tenant, campaign_id, action)
        return Reply(changed.to_public(), resource_id=campaign_id)

    act.__name__ = f"{action}_campaign"


for _action, _summary in ACTIONS.items():
    _action_route(_action, _summary)


@route(
    bp,
    ONE + "/enrol",
    "POST",
    auth="full",
    tag="campaigns",
    body=M + "Enrol",
    reply=M + "EnrolReply",
    action="campaign.enrol",
    errors=(400, 401, 403, 404, 409, 422),
    summary="Enrol contacts and lists; suppressed and inactive contacts are skipped.",
)
def enrol(call: Call, campaign_id: str) -> Reply:
    b = call.body
    if not b.contact_ids and not b.list_ids:
        raise UnprocessableEntity("give contact_ids or list_ids", {"field": "contact_ids"})
    report = enrolment.enrol(wiring.ports(), call.tenant, campaign_id, b.contact_ids, b.list_ids)
    return Reply(report.to_public(), resource_id=campaign_id)


@route(
    bp,
    ONE + "/contacts",
    "GET",
    auth="full",
    tag="campaigns",
    reply=M + "EnrolmentPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403, 404),
    summary="A campaign's enrolments: contact, step, status, next send time and mailbox.",
)
def list_enrolments(call: Call, campaign_id: str) -> Reply:
    ports = wiring.ports()
    campaign = campaigns.find(ports, call.tenant, campaign_id)
    limit = parse_limit(call.query.get("limit"))
    page = ports.enrolments.list(
        call.tenant.tenant_id, campaign.campaign_id, limit, call.query.get("next_token")
    )
    return Reply(page.shaped(lambda e: e.to_public()))
