"""The health ports over the other features' public surfaces: mailbox and domain facts,
SMTP circuit breakers, running campaigns, and the pause and throttle actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import campaigns, domains, mailboxes, sending
from chalicelib.core.pagination import MAX_LIMIT, every_item
from chalicelib.core.tenancy import system_context
from chalicelib.health.ports import DomainFacts, MailboxFacts

if TYPE_CHECKING:
    from chalicelib.mailboxes import Mailbox

ACTOR = "health"
AUTH_KINDS = ("spf", "dkim", "dmarc")
CAMPAIGN_LIMIT = 1000


def _facts(mailbox: Mailbox) -> MailboxFacts:
    return MailboxFacts(
        mailbox.mailbox_id,
        mailbox.domain_id,
        mailbox.status,
        mailbox.daily_limit,
        mailbox.smtp.host,
        mailbox.smtp.port,
    )


class PlatformFacts:
    def mailbox(self, tenant_id: str, mailbox_id: str) -> MailboxFacts | None:
        found = mailboxes.mailbox_store().get(system_context(tenant_id), mailbox_id)
        return _facts(found) if found else None

    def mailboxes(self, tenant_id: str) -> list[MailboxFacts]:
        store, ctx = mailboxes.mailbox_store(), system_context(tenant_id)
        pages = every_item(lambda token: store.list(ctx, MAX_LIMIT, token))
        return [_facts(m) for m in pages]

    def domain(self, tenant_id: str, domain_id: str) -> DomainFacts | None:
        if not domain_id.startswith("dom_"):
            return None
        found = domains.domain_store().get(system_context(tenant_id), domain_id)
        if found is None:
            return None
        statuses = {c.get("kind"): c.get("status") for c in found.checks}
        checks = {k: str(statuses[k]) for k in AUTH_KINDS if k in statuses}
        return DomainFacts(found.domain_id, found.name, found.server_ips, checks)

    def breaker_state(self, tenant_id: str, host: str, port: int) -> str:
        return sending.breaker_state(tenant_id, host, port)

    def tenants_with_mailboxes(self) -> list[str]:
        store = mailboxes.mailbox_store()
        found = {t for s in range(mailboxes.POLL_SHARDS) for t, _ in store.to_poll(f"p{s}")}
        return sorted(found)

    def running_campaigns(self) -> list[tuple[str, str]]:
        return campaigns.running_campaigns(CAMPAIGN_LIMIT)


class PlatformActions:
    def pause_mailbox(self, tenant_id: str, mailbox_id: str, reason: str) -> str:
        return mailboxes.pause_mailbox(tenant_id, mailbox_id, ACTOR, reason)

    def pause_campaign(self, tenant_id: str, campaign_id: str) -> str:
        return campaigns.pause_campaign(tenant_id, campaign_id, ACTOR)

    def lower_daily_limit(self, tenant_id: str, mailbox_id: str, daily_limit: int) -> int | None:
        return mailboxes.lower_daily_limit(tenant_id, mailbox_id, daily_limit)
