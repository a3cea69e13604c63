"""What the send guards need to know about a worker batch's messages, read once per batch
and cached: tenants, mailboxes, domains, monthly and daily counts, provider cool-downs and
which recipients are suppressed (one bulk read for the whole batch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.analytics import mailbox_day_period, month_period
from chalicelib.core.plans import plan_named
from chalicelib.core.tenancy import system_context
from chalicelib.sending.rules.guards import SendFacts
from chalicelib.sending.rules.suppressions import normalise
from chalicelib.sending.rules.warmup import is_warmup

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.accounts import Tenant
    from chalicelib.domains import Domain
    from chalicelib.mailboxes import Mailbox
    from chalicelib.sending.ports import (
        CooldownStore,
        DomainReader,
        MailboxReader,
        SuppressionStore,
        TenantReader,
        UsageCounters,
    )
    from chalicelib.sending.rules.messages import Message


class BatchFacts:
    def __init__(
        self,
        tenants: TenantReader,
        mailboxes: MailboxReader,
        domains: DomainReader,
        counters: UsageCounters,
        cooldowns: CooldownStore,
    ) -> None:
        self._tenants_port, self._mailboxes_port, self._domains_port = tenants, mailboxes, domains
        self._counters, self._cooldowns_port = counters, cooldowns
        self._tenants: dict[str, Tenant | None] = {}
        self._mailboxes: dict[tuple[str, str], Mailbox | None] = {}
        self._domains: dict[tuple[str, str], Domain | None] = {}
        self._monthly: dict[str, int] = {}
        self._sent_today: dict[tuple[str, str], int] = {}
        self._suppressed: dict[tuple[str, str], str] = {}
        self._cooldowns: dict[tuple[str, str, str], int] = {}

    def load_suppressions(self, suppressions: SuppressionStore, messages: list[Message]) -> None:
        """Which recipients of the batch are suppressed, in one bulk read."""
        pairs = [(m.tenant_id, m.to) for m in messages if not m.final]
        found = suppressions.check(pairs) if pairs else {}
        self._suppressed = {(t, normalise(a)): s for (t, a), s in found.items()}

    def tenant(self, tenant_id: str) -> Tenant | None:
        if tenant_id not in self._tenants:
            self._tenants[tenant_id] = self._tenants_port.get(tenant_id)
        return self._tenants[tenant_id]

    def mailbox(self, tenant_id: str, mailbox_id: str) -> Mailbox | None:
        key = (tenant_id, mailbox_id)
        if key not in self._mailboxes:
            self._mailboxes[key] = self._mailboxes_port.get(system_context(tenant_id), mailbox_id)
        return self._mailboxes[key]

    def domain(self, tenant_id: str, domain_id: str) -> Domain | None:
        key = (tenant_id, domain_id)
        if key not in self._domains:
            self._domains[key] = self._domains_port.get(system_context(tenant_id), domain_id)
        return self._domains[key]

    def monthly_sent(self, tenant_id: str, now: datetime) -> int:
        if tenant_id not in self._monthly:
            counts = self._counters.read(tenant_id, month_period(f"{now:%Y-%m}"))
            self._monthly[tenant_id] = counts.get("message_sent", 0)
        return self._monthly[tenant_id]

    def sent_today(self, tenant_id: str, mailbox_id: str, now: datetime) -> int:
        key = (tenant_id, mailbox_id)
        if key not in self._sent_today:
            period = mailbox_day_period(mailbox_id, f"{now:%Y-%m-%d}")
            self._sent_today[key] = self._counters.read(tenant_id, period).get("message_sent", 0)
        return self._sent_today[key]

    def note_sent(self, tenant_id: str, mailbox_id: str) -> None:
        """One more handed to the mailbox's server in this batch (the counters lag behind)."""
        key = (tenant_id, mailbox_id)
        self._sent_today[key] = self._sent_today.get(key, 0) + 1

    def cooldown(self, tenant_id: str, mailbox_id: str, provider: str) -> int:
        key = (tenant_id, mailbox_id, provider)
        if key not in self._cooldowns:
            self._cooldowns[key] = self._cooldowns_port.get(tenant_id, mailbox_id, provider)
        return self._cooldowns[key]

    def cool_down(self, tenant_id: str, mailbox_id: str, provider: str, until: int) -> None:
        self._cooldowns_port.set(tenant_id, mailbox_id, provider, until)
        self._cooldowns[(tenant_id, mailbox_id, provider)] = until

    def send_facts(
        self, message: Message, tenant: Tenant, mailbox: Mailbox, domain: Domain, now: datetime
    ) -> SendFacts:
        scope = self._suppressed.get((message.tenant_id, normalise(message.to)))
        warmup = is_warmup(message)
        return SendFacts(
            tenant_active=tenant.status == "active",
            monthly_sent=self.monthly_sent(message.tenant_id, now),
            monthly_allowance=plan_named(tenant.plan).emails_per_month,
            message_cancelled=message.status == "cancelled",
            recipient_suppressed_tenant=scope == "tenant",
            recipient_suppressed_global=scope == "global",
            domain_can_send=domain.can_send,
            mailbox_status=mailbox.status,
            mailbox_sent_today=self.sent_today(message.tenant_id, mailbox.mailbox_id, now),
            mailbox_daily_limit=mailbox.daily_limit,
            warmup_plan=mailbox.warmup_plan,
            warmup_day=mailbox.warmup_day(now.date()),
            bulk=not warmup,  # warm-up mail carries no unsubscribe and no footer
            has_unsubscribe=True,
            has_postal_address=bool((tenant.postal_address or "").strip()),
            warmup=warmup,
            warmup_target=mailbox.warmup_target,
        )
