"""The campaigns feature's adapters over other features' public surfaces: the contacts
directory, the campaign side of sending, mailboxes, templates and tenants' plans. Other
features are imported when an adapter is first built, so loading this module costs nothing."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from chalicelib.campaigns.model import Capacity, Enqueued
from chalicelib.core.tenancy import system_context

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from chalicelib.campaigns.model import Outgoing


class SendingCampaignSender:
    """``CampaignSender`` over ``sending.enqueue_campaign`` and friends."""

    def __init__(self) -> None:
        from chalicelib import sending

        self._sending = sending

    def enqueue(self, tenant_id: str, plan: str, sends: Sequence[Outgoing]) -> list[Enqueued]:
        s = self._sending
        built = []
        for send in sends:
            fields = asdict(send)
            fields["campaign"] = s.CampaignLink(**fields["campaign"])
            fields["references"] = tuple(fields["references"])
            fields["tags"] = tuple(fields["tags"])
            built.append(s.CampaignSend(**fields))
        outcomes = s.enqueue_campaign(tenant_id, plan, built)
        return [Enqueued(o.message_id, o.created, o.status) for o in outcomes]

    def message_id(self, enrolment_id: str, step: int) -> str:
        return str(self._sending.campaign_message_id(enrolment_id, step))

    def rfc_message_id(self, message_id: str, from_address: str) -> str:
        return str(self._sending.rfc_message_id(message_id, from_address))

    def capacity(self, tenant_id: str, mailbox_ids: Sequence[str], day: str) -> dict[str, Capacity]:
        found = self._sending.mailbox_capacity(tenant_id, list(mailbox_ids), day)
        return {
            k: Capacity(v.mailbox_id, int(v.remaining), bool(v.healthy), v.reason)
            for k, v in found.items()
        }

    def suppressed_among(self, tenant_id: str, addresses: Sequence[str]) -> set[str]:
        return set(self._sending.suppressed_among(tenant_id, addresses))

    def message_campaign(self, tenant_id: str, message_id: str) -> dict[str, Any] | None:
        message = self._sending.messages().get(tenant_id, message_id)
        if message is None or message.campaign is None:
            return None
        return asdict(message.campaign)


class MailboxAddresses:
    def __init__(self, store: Any) -> None:
        self._store = store

    def addresses(self, tenant_id: str, mailbox_ids: Iterable[str]) -> dict[str, str]:
        ctx = system_context(tenant_id)
        found = {}
        for mailbox_id in dict.fromkeys(mailbox_ids):
            mailbox = self._store.get(ctx, mailbox_id) if mailbox_id.startswith("mbx_") else None
            if mailbox is not None:
                found[mailbox_id] = mailbox.email
        return found


class TemplateSources:
    def __init__(self, store: Any) -> None:
        self._store = store

    def sources(self, tenant_id: str, template_id: str) -> dict[str, Any] | None:
        if not template_id.startswith("tpl_"):
            return None
        template = self._store.get(system_context(tenant_id), template_id)
        if template is None:
            return None
        return {
            "subject": template.subject,
            "html": template.html,
            "text": template.text,
            "variables": list(template.variables),
        }


class TenantPlans:
    def __init__(self, tenants: Any) -> None:
        self._tenants = tenants

    def plan_of(self, tenant_id: str) -> str | None:
        tenant = self._tenants.get(tenant_id)
        return None if tenant is None or tenant.status != "active" else str(tenant.plan)
