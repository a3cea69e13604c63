"""A person's data in campaigns, for the contacts feature's export and erasure
(``contacts.register_personal_data("campaigns", …)``): their enrolments, found without a
Scan (the tenant's campaigns are a Query; the enrolment id of a (campaign, contact) pair is
derived, so each campaign is one key of a BatchGetItem).

The export lists each enrolment with its campaign. The erasure deletes the enrolments; the
anonymous counters keep what they counted (sent, opened, replied …), but an enrolment that
was still active is counted ``finished`` and ``stopped`` as any stop would be (off the
step it waited for), or its campaign would wait for it for ever and never complete.
Deleted campaigns are not listed, so their enrolments are not found (see the README)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalicelib.campaigns import model
from chalicelib.campaigns.service.decide import moved_counts

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chalicelib.campaigns.model import Campaign, Enrolment
    from chalicelib.campaigns.service.bundle import CampaignPorts

PAGE = 100
TRIES = 3


def _campaigns(ports: CampaignPorts, tenant_id: str) -> Iterator[list[Campaign]]:
    token: str | None = None
    while True:
        page = ports.campaigns.list(tenant_id, PAGE, token)
        yield page.items
        token = page.next_token
        if token is None:
            return


def enrolments_of(
    ports: CampaignPorts, tenant_id: str, contact_id: str
) -> list[tuple[Campaign, Enrolment]]:
    """Every enrolment of the contact, with its campaign, in campaign order."""
    found: list[tuple[Campaign, Enrolment]] = []
    for campaigns in _campaigns(ports, tenant_id):
        by_id = {c.campaign_id: c for c in campaigns}
        pairs = [(c, model.enrolment_id(c, contact_id)) for c in by_id]
        stored = {e.campaign_id: e for e in ports.enrolments.find(tenant_id, pairs)}
        found += [(by_id[c], stored[c]) for c in by_id if c in stored]
    return found


def export(ports: CampaignPorts, tenant_id: str, contact_id: str) -> list[dict[str, Any]]:
    return [
        {"campaign_id": c.campaign_id, "campaign_name": c.name, **e.to_public()}
        for c, e in enrolments_of(ports, tenant_id, contact_id)
    ]


def erase(ports: CampaignPorts, tenant_id: str, contact_id: str) -> int:
    """How many enrolments were deleted; running it again deletes nothing more."""
    return sum(_forget(ports, c, e) for c, e in enrolments_of(ports, tenant_id, contact_id))


def _forget(ports: CampaignPorts, campaign: Campaign, enrolment: Enrolment) -> int:
    for _ in range(TRIES):
        stopped = replace(enrolment, status=model.STOPPED)
        counts = moved_counts(campaign, enrolment, stopped)
        if ports.enrolments.forget(enrolment, counts):
            return 1
        fresh = ports.enrolments.find(
            enrolment.tenant_id, [(enrolment.campaign_id, enrolment.enrolment_id)]
        )
        if not fresh:
            return 0  # gone meanwhile
        enrolment = fresh[0]  # the scheduler or a reaction moved it: forget what is stored
    raise RuntimeError(f"enrolment {enrolment.enrolment_id} kept changing; erase again")
