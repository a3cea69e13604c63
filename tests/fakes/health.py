"""In-memory twins of the health ports: the day counts (``AnalyticsReads``), the alert store,
mailbox/domain facts with the actions on them, and a DNSBL checker with fixed answers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.core.pagination import Page, decode_token, encode_token
from chalicelib.health.ports import DomainFacts, MailboxFacts
from chalicelib.health.rules.alerts import Alert


class FakeReads:
    """``AnalyticsReads``: {(tenant, scope): {day: counts}}, days outside the range left out."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        self.calls = 0

    def put(self, tenant_id: str, scope: str, day: str, **counts: int) -> None:
        self.counts.setdefault((tenant_id, scope), {})[day] = dict(counts)

    def days(self, tenant_id: str, scope: str, first: str, last: str) -> dict[str, dict[str, int]]:
        self.calls += 1
        found = self.counts.get((tenant_id, scope), {})
        return {d: dict(c) for d, c in found.items() if first <= d <= last}


class FakeAlertStore:
    def __init__(self) -> None:
        self.alerts: dict[tuple[str, str], Alert] = {}
        self.events: list[dict[str, Any]] = []
        self.dnsbl: dict[tuple[str, str], dict[str, str]] = {}

    @staticmethod
    def _sk(alert: Alert) -> str:
        return f"alert#{alert.day}#{alert.alert_id}"

    def raise_once(self, alert: Alert, event: dict[str, Any]) -> bool:
        key = (alert.tenant_id, self._sk(alert))
        if key in self.alerts:
            return False
        self.alerts[key] = alert
        self.events.append(event)
        return True

    def set_outcome(self, alert: Alert, outcome: str) -> None:
        key = (alert.tenant_id, self._sk(alert))
        self.alerts[key] = replace(self.alerts[key], outcome=outcome)

    def list(
        self, tenant_id: str, limit: int, token: str | None, kind: str | None, status: str | None
    ) -> Page[Alert]:
        """Like DynamoDB: ``limit`` items read newest first, then filtered."""
        after = decode_token(token, {"sk"})
        keys = sorted((sk for t, sk in self.alerts if t == tenant_id), reverse=True)
        if after:
            keys = [k for k in keys if k < after["sk"]]
        read = keys[:limit]
        found = [self.alerts[(tenant_id, k)] for k in read]
        found = [a for a in found if kind in (None, a.kind) and status in (None, a.status)]
        more = len(keys) > limit
        return Page(found, encode_token({"sk": read[-1]}) if more else None)

    def save_blacklists(self, tenant_id: str, domain_id: str, results: dict[str, str]) -> None:
        self.dnsbl[(tenant_id, domain_id)] = dict(results)

    def blacklists(self, tenant_id: str, domain_id: str) -> dict[str, str]:
        return dict(self.dnsbl.get((tenant_id, domain_id), {}))


class FakePlatform:
    """``Facts`` and ``Actions`` over in-memory mailboxes, domains, breakers and campaigns."""

    def __init__(self) -> None:
        self.boxes: dict[tuple[str, str], MailboxFacts] = {}
        self.domains: dict[tuple[str, str], DomainFacts] = {}
        self.breakers: dict[tuple[str, str, int], str] = {}
        self.campaigns: dict[tuple[str, str], str] = {}  # status
        self.paused: list[tuple[str, str, str]] = []

    def add_mailbox(self, tenant_id: str, mailbox_id: str, domain_id: str, limit: int = 100):
        self.boxes[(tenant_id, mailbox_id)] = MailboxFacts(
            mailbox_id, domain_id, "active", limit, "smtp.test", 587
        )

    def add_domain(self, tenant_id: str, domain_id: str, name: str, ips=("192.0.2.10",)):
        checks = {"spf": "verified", "dkim": "verified", "dmarc": "verified"}
        self.domains[(tenant_id, domain_id)] = DomainFacts(domain_id, name, tuple(ips), checks)

    def mailbox(self, tenant_id: str, mailbox_id: str) -> MailboxFacts | None:
        return self.boxes.get((tenant_id, mailbox_id))

    def mailboxes(self, tenant_id: str) -> list[MailboxFacts]:
        return [m for (t, _), m in sorted(self.boxes.items()) if t == tenant_id]

    def domain(self, tenant_id: str, domain_id: str) -> DomainFacts | None:
        return self.domains.get((tenant_id, domain_id))

    def breaker_state(self, tenant_id: str, host: str, port: int) -> str:
        return self.breakers.get((tenant_id, host, port), "closed")

    def tenants_with_mailboxes(self) -> list[str]:
        return sorted({t for t, _ in self.boxes})

    def running_campaigns(self) -> list[tuple[str, str]]:
        return sorted(k for k, status in self.campaigns.items() if status == "sending")

    def pause_mailbox(self, tenant_id: str, mailbox_id: str, reason: str) -> str:
        found = self.boxes.get((tenant_id, mailbox_id))
        if found is None:
            return "not_found"
        if found.status == "paused":
            return "already_paused"
        self.boxes[(tenant_id, mailbox_id)] = replace(found, status="paused")
        self.paused.append((tenant_id, mailbox_id, reason))
        return "paused"

    def pause_campaign(self, tenant_id: str, campaign_id: str) -> str:
        if self.campaigns.get((tenant_id, campaign_id)) != "sending":
            return "not_sending"
        self.campaigns[(tenant_id, campaign_id)] = "paused"
        return "paused"

    def lower_daily_limit(self, tenant_id: str, mailbox_id: str, daily_limit: int) -> int | None:
        found = self.boxes.get((tenant_id, mailbox_id))
        if found is None:
            return None
        limit = min(found.daily_limit, daily_limit)
        self.boxes[(tenant_id, mailbox_id)] = replace(found, daily_limit=limit)
        return limit


class FakeBlacklists:
    def __init__(self) -> None:
        self.listed: set[str] = set()
        self.zone = "zen.test"

    def check(self, ips, domains) -> dict[str, str]:
        return {
            f"{t}@{self.zone}": "listed" if t in self.listed else "not_listed"
            for t in (*ips, *domains)
        }


class Notices:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def __call__(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None:
        self.sent.append((tenant_id, kind, facts))
