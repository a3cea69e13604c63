"""What the health use cases need: the day counts (analytics), the alert store, facts about
mailboxes, domains and SMTP servers, the actions on them, the DNSBL checker and the tenant
notifier. Adapters over the other features' public surfaces live in ``adapters.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from chalicelib.analytics import AnalyticsReads

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page
    from chalicelib.health.rules.alerts import Alert


@dataclass(frozen=True)
class MailboxFacts:
    mailbox_id: str
    domain_id: str
    status: str
    daily_limit: int
    smtp_host: str
    smtp_port: int


@dataclass(frozen=True)
class DomainFacts:
    domain_id: str
    name: str
    server_ips: tuple[str, ...]
    checks: dict[str, str]  # spf | dkim | dmarc → the status verification stored


class AlertStore(Protocol):
    def raise_once(self, alert: Alert, event: Event) -> bool:
        """Store ``alert`` with its event (one transaction); False, and nothing written,
        when the alert (same scope, kind and day) exists already."""
        ...

    def set_outcome(self, alert: Alert, outcome: str) -> None: ...

    def list(
        self, tenant_id: str, limit: int, token: str | None, kind: str | None, status: str | None
    ) -> Page[Alert]:
        """Newest day first; a filtered page may hold fewer than ``limit`` items."""
        ...

    def save_blacklists(self, tenant_id: str, domain_id: str, results: dict[str, str]) -> None:
        """The last DNSBL results of a domain (the health view reads them; no live DNS)."""
        ...

    def blacklists(self, tenant_id: str, domain_id: str) -> dict[str, str]: ...


class Facts(Protocol):
    def mailbox(self, tenant_id: str, mailbox_id: str) -> MailboxFacts | None: ...

    def mailboxes(self, tenant_id: str) -> list[MailboxFacts]:
        """Every mailbox of the tenant (a tenant has at most a few hundred)."""
        ...

    def domain(self, tenant_id: str, domain_id: str) -> DomainFacts | None: ...

    def breaker_state(self, tenant_id: str, host: str, port: int) -> str: ...

    def tenants_with_mailboxes(self) -> list[str]:
        """Every tenant that has a mailbox (from an index, never a scan)."""
        ...

    def running_campaigns(self) -> list[tuple[str, str]]:
        """(tenant id, campaign id) of every running campaign (from an index)."""
        ...


class Actions(Protocol):
    def pause_mailbox(self, tenant_id: str, mailbox_id: str, reason: str) -> str: ...

    def pause_campaign(self, tenant_id: str, campaign_id: str) -> str: ...

    def lower_daily_limit(
        self, tenant_id: str, mailbox_id: str, daily_limit: int
    ) -> int | None: ...


class Blacklists(Protocol):
    def check(self, ips: Sequence[str], domains: Sequence[str]) -> dict[str, str]:
        """``<target>@<zone>`` → ``listed`` | ``not_listed`` | ``unknown`` (a timeout or an
        error: never a listing)."""
        ...


class TenantNotifier(Protocol):
    def __call__(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None: ...


__all__ = ["AnalyticsReads"]
