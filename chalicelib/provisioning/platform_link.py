"""The ``Platform`` port over the other features' public surfaces: the tenant's plan
(accounts), the sending domain (domains: its DKIM key, its records, its verification), the
mailboxes (mailboxes) and their warm-up (warmup), all as platform work done for the tenant."""

from __future__ import annotations

from typing import Any

from chalicelib import accounts, domains, mailboxes, warmup
from chalicelib.core.errors import NotFound
from chalicelib.core.tenancy import system_context
from chalicelib.provisioning.ports import DnsRecord

ACTOR = "provisioning"


class PlatformLink:
    def plan_of(self, tenant_id: str) -> str | None:
        tenant = accounts.tenants().get(tenant_id)
        return tenant.plan if tenant is not None else None

    def _ctx(self, tenant_id: str) -> Any:
        return system_context(tenant_id, plan=self.plan_of(tenant_id) or "", actor=ACTOR)

    def mailbox_count(self, tenant_id: str) -> int:
        return mailboxes.mailbox_store().count(self._ctx(tenant_id))

    def domain_taken(self, tenant_id: str, name: str, server_id: str) -> bool:
        return domains.domain_store().holder(name) not in (None, (tenant_id, server_id))

    def reserve_domain(self, tenant_id: str, name: str, server_id: str) -> None:
        domains.domain_store().claim(self._ctx(tenant_id), name, server_id)

    def release_domain(self, tenant_id: str, name: str) -> None:
        domains.domain_store().release(self._ctx(tenant_id), name)

    def register_domain(self, tenant_id: str, name: str, dns_provider: str, ip: str) -> str:
        ctx = self._ctx(tenant_id)
        store = domains.domain_store()
        existing = store.all_names(ctx).get(name)
        if existing:  # a retried step: the domain is ours from the first attempt
            return existing
        held = store.holder(name)
        if held and held[0] == tenant_id and held[1].startswith("srv_"):
            store.release(ctx, name)  # the server's reservation becomes the domain's claim
        domain = domains.create_domain(domains.domain_ports(), ctx, name, dns_provider, [ip], [])
        return domain.domain_id

    def domain_records(self, tenant_id: str, domain_id: str) -> tuple[list[DnsRecord], str]:
        ctx = self._ctx(tenant_id)
        view = domains.dns_view(domains.domain_ports(), ctx, domain_id)
        records = [DnsRecord(r["name"], r["type"], r["value"]) for r in view["records"]]
        domain = domains.domain_store().get(ctx, domain_id)
        selector = domain.active_key().selector if domain is not None else ""
        return records, selector

    def verify_domain(self, tenant_id: str, domain_id: str) -> bool:
        ctx = self._ctx(tenant_id)
        return domains.verify_domain(domains.domain_ports(), ctx, domain_id).status == "verified"

    def remove_domain(self, tenant_id: str, domain_id: str) -> None:
        try:
            domains.delete_domain(domains.domain_ports(), self._ctx(tenant_id), domain_id)
        except NotFound:
            return

    def register_mailbox(
        self,
        tenant_id: str,
        email: str,
        display_name: str,
        daily_limit: int,
        smtp: dict[str, Any],
        imap: dict[str, Any],
    ) -> str:
        return mailboxes.register_mailbox(tenant_id, email, display_name, daily_limit, smtp, imap)

    def remove_mailbox(self, tenant_id: str, mailbox_id: str) -> None:
        mailboxes.remove_mailbox(tenant_id, mailbox_id)

    def start_warmup(self, tenant_id: str, mailbox_id: str, plan: str) -> str:
        return warmup.start_warmup(tenant_id, mailbox_id, plan)

    def notify(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None:
        accounts.notify_tenant(tenant_id, kind, facts)
