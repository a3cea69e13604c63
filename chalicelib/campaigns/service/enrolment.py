"""Enrolling contacts (by id and by list) in a campaign: allowed while it is a draft,
scheduled, sending or paused. Every id is checked before anything is written (an unknown
contact or list, or another tenant's, is a 422 naming it). Contacts that are not ``active``
or whose address is suppressed (one batch look-up per chunk) are skipped and counted; a
contact already enrolled stays as it is (the enrolment id is derived from the pair). A new
enrolment is first due when the sending window next opens for its contact (now, when it is
open), so the scheduler does not have to defer it first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.campaigns import model
from chalicelib.campaigns.rules.window import next_open, parse_window
from chalicelib.campaigns.service.campaigns import find
from chalicelib.core.clock import iso
from chalicelib.core.errors import Conflict, UnprocessableEntity

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.campaigns.model import Campaign, Enrolment
    from chalicelib.campaigns.rules.window import Window
    from chalicelib.campaigns.service.bundle import CampaignPorts
    from chalicelib.core.tenancy import TenantContext

CHUNK = 100  # contacts read and enrolments written per round
LIST_PAGE = 500


@dataclass
class EnrolReport:
    enrolled: int = 0
    already_enrolled: int = 0
    skipped_suppressed: int = 0
    skipped_inactive: int = 0

    def to_public(self) -> dict[str, int]:
        return {
            "enrolled": self.enrolled,
            "already_enrolled": self.already_enrolled,
            "skipped_suppressed": self.skipped_suppressed,
            "skipped_inactive": self.skipped_inactive,
        }


def enrol(
    ports: CampaignPorts,
    ctx: TenantContext,
    campaign_id: str,
    contact_ids: Sequence[str],
    list_ids: Sequence[str],
) -> EnrolReport:
    campaign = find(ports, ctx, campaign_id)
    if campaign.status not in model.ENROLABLE:
        raise Conflict(
            f"contacts cannot be enrolled in a {campaign.status} campaign",
            {"status": campaign.status},
        )
    _check_lists(ports, ctx.tenant_id, list_ids)
    given = list(dict.fromkeys(contact_ids))
    found = _check_contacts(ports, ctx.tenant_id, contact_ids)
    report = EnrolReport()
    for start in range(0, len(given), CHUNK):
        chunk = [found[c] for c in given[start : start + CHUNK]]
        _enrol_chunk(ports, campaign, chunk, report)
    for list_id in list_ids:
        _enrol_list(ports, campaign, list_id, set(given), report)
    return report


def _check_lists(ports: CampaignPorts, tenant_id: str, list_ids: Sequence[str]) -> None:
    for index, list_id in enumerate(list_ids):
        if not ports.contacts.list_exists(tenant_id, list_id):
            raise UnprocessableEntity(
                f"list {list_id} not found", {"field": f"list_ids[{index}]", "id": list_id}
            )


def _check_contacts(
    ports: CampaignPorts, tenant_id: str, contact_ids: Sequence[str]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    unique = list(dict.fromkeys(contact_ids))
    for start in range(0, len(unique), CHUNK):
        found |= ports.contacts.get_many(tenant_id, unique[start : start + CHUNK])
    for index, contact_id in enumerate(contact_ids):
        if contact_id not in found:
            raise UnprocessableEntity(
                f"contact {contact_id} not found",
                {"field": f"contact_ids[{index}]", "id": contact_id},
            )
    return found


def _enrol_list(
    ports: CampaignPorts, campaign: Campaign, list_id: str, seen: set[str], report: EnrolReport
) -> None:
    tenant_id, token = campaign.tenant_id, None
    while True:
        members, token = ports.contacts.list_members(tenant_id, list_id, LIST_PAGE, token)
        fresh = [m for m in dict.fromkeys(members) if m not in seen]
        seen.update(fresh)
        for start in range(0, len(fresh), CHUNK):
            contacts = ports.contacts.get_many(tenant_id, fresh[start : start + CHUNK])
            _enrol_chunk(ports, campaign, list(contacts.values()), report)
        if token is None:
            return


def _enrol_chunk(
    ports: CampaignPorts, campaign: Campaign, contacts: list[Any], report: EnrolReport
) -> None:
    if not contacts:
        return
    tenant_id, campaign_id = campaign.tenant_id, campaign.campaign_id
    wanted = {model.enrolment_id(campaign_id, c.contact_id): c for c in contacts}
    existing = ports.enrolments.get_many(tenant_id, campaign_id, list(wanted))
    report.already_enrolled += len(existing)
    candidates = [c for e, c in wanted.items() if e not in existing]
    active = [c for c in candidates if c.status == "active"]
    report.skipped_inactive += len(candidates) - len(active)
    fresh = _new_enrolments(ports, campaign, active, report)
    report.enrolled += ports.enrolments.add_new(fresh) if fresh else 0


def _new_enrolments(
    ports: CampaignPorts, campaign: Campaign, contacts: list[Any], report: EnrolReport
) -> list[Enrolment]:
    """Enrolments of the ``contacts`` not suppressed (one look-up for all of them), each
    first due when the window next opens for its contact."""
    if not contacts:
        return []
    tenant_id, campaign_id = campaign.tenant_id, campaign.campaign_id
    barred = ports.sender.suppressed_among(tenant_id, [c.email for c in contacts])
    window, now = _window(campaign), ports.clock.now()
    fresh = []
    for contact in contacts:
        if contact.email in barred:
            report.skipped_suppressed += 1
            continue
        due = iso(next_open(window, contact.time_zone, now))
        fresh.append(model.new_enrolment(tenant_id, campaign_id, contact.contact_id, iso(now), due))
    return fresh


def _window(campaign: Campaign) -> Window:
    given = campaign.settings["window"]
    return parse_window(given["weekdays"], given["start"], given["end"], given["time_zone"])
