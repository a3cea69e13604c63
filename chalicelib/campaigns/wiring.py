"""Builds the campaigns feature's adapters and its ports bundle lazily (cached, typed,
overridable by name). The contacts directory and sending's campaign functions are reached
when first called, so this feature imports before they are merged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.clock import system_clock
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.campaigns.ports import (
        CampaignSender,
        CampaignStore,
        Contacts,
        EnrolmentStore,
        Mailboxes,
        Plans,
        Templates,
    )
    from chalicelib.campaigns.service.bundle import CampaignPorts
    from chalicelib.contacts import Contact


@provider("campaigns.store")
def store() -> CampaignStore:
    from chalicelib.campaigns.store import CAMPAIGNS, DynamoCampaignStore

    return DynamoCampaignStore(CAMPAIGNS.bind())


def campaign_exists(tenant_id: str, campaign_id: str) -> bool:
    """Whether the tenant has the campaign (another feature's 404 for foreign ids)."""
    return store().get(tenant_id, campaign_id) is not None


def campaign_progress(tenant_id: str, campaign_id: str) -> dict[str, Any] | None:
    """The ``progress`` GET /v1/campaigns/{id} reports (None: the tenant has no such
    campaign); the live updates push it."""
    from chalicelib.campaigns.service.progress import shaped

    campaign = store().get(tenant_id, campaign_id)
    if campaign is None:
        return None
    return shaped(campaign, enrolments().progress(tenant_id, campaign_id))


@provider("campaigns.enrolments")
def enrolments() -> EnrolmentStore:
    from chalicelib.campaigns.enrolment_store import ENROLMENTS, DynamoEnrolmentStore

    return DynamoEnrolmentStore(ENROLMENTS.bind())


@provider("campaigns.contacts")
def contacts() -> Contacts:
    """The contacts feature's directory (``contacts.directory()``)."""
    from chalicelib import contacts

    directory: Contacts = contacts.directory()
    return directory


@provider("campaigns.sender")
def sender() -> CampaignSender:
    from chalicelib.campaigns.adapters import SendingCampaignSender

    return SendingCampaignSender()


@provider("campaigns.mailboxes")
def mailboxes() -> Mailboxes:
    from chalicelib.campaigns.adapters import MailboxAddresses
    from chalicelib.mailboxes import mailbox_store

    return MailboxAddresses(mailbox_store())


@provider("campaigns.templates")
def templates() -> Templates:
    from chalicelib.campaigns.adapters import TemplateSources
    from chalicelib.templates import template_store

    return TemplateSources(template_store())


@provider("campaigns.plans")
def plans() -> Plans:
    from chalicelib.accounts import tenants
    from chalicelib.campaigns.adapters import TenantPlans

    return TenantPlans(tenants())


@provider("campaigns.ports")
def ports() -> CampaignPorts:
    from chalicelib.campaigns.service.bundle import CampaignPorts

    return CampaignPorts(
        campaigns=store(),
        enrolments=enrolments(),
        contacts=contacts(),
        sender=sender(),
        mailboxes=mailboxes(),
        templates=templates(),
        plans=plans(),
        clock=system_clock(),
    )


def run_scheduler() -> dict[str, int]:
    """One scheduler run over every running campaign (the ``campaign_scheduler`` function)."""
    from dataclasses import asdict

    from chalicelib.campaigns.service.scheduler import run

    return asdict(run(ports()))


def react_to_events(events: list[dict[str, object]]) -> int:
    """Apply a batch of message events to campaign progress (``campaign_events``)."""
    from chalicelib.campaigns.service.reactions import react_many

    return react_many(ports(), events)


def export_personal_data(tenant_id: str, contact: Contact) -> list[dict[str, Any]]:
    """The contact's enrolments with their campaigns (a ``contacts`` personal data source)."""
    from chalicelib.campaigns.service import privacy

    return privacy.export(ports(), tenant_id, contact.contact_id)


def erase_personal_data(tenant_id: str, contact: Contact) -> int:
    """Delete the contact's enrolments; how many went (a ``contacts`` personal data source)."""
    from chalicelib.campaigns.service import privacy

    return privacy.erase(ports(), tenant_id, contact.contact_id)


def pause_campaign(tenant_id: str, campaign_id: str, actor: str) -> str:
    """Pause a sending campaign for the platform (the health monitor): ``paused`` or why not."""
    from chalicelib.campaigns.service.campaigns import pause_by

    return pause_by(ports(), tenant_id, campaign_id, actor)


def running_campaigns(limit: int) -> list[tuple[str, str]]:
    """(tenant id, campaign id) of running campaigns, from the sharded active index."""
    return store().active(limit)
