"""The health view of one mailbox or domain (``GET /v1/analytics/health``) and the monitor
run over every tenant (``functions/health_monitor.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import NotFound
from chalicelib.health.rules import anomaly
from chalicelib.health.rules import forecast as spam_forecast
from chalicelib.health.rules.rates import summed
from chalicelib.health.rules.score import Infrastructure, health_score
from chalicelib.health.service import HISTORY_DAYS, SCORE_DAYS, evaluate, first_day, history

if TYPE_CHECKING:
    from chalicelib.health.ports import DomainFacts, MailboxFacts
    from chalicelib.health.service import HealthPorts


def _subject(
    ports: HealthPorts, tenant_id: str, kind: str, ident: str
) -> tuple[DomainFacts | None, list[MailboxFacts]]:
    """The domain and the mailboxes a scope covers; 404 when it is not the tenant's."""
    if kind == "mailbox":
        mailbox = ports.facts.mailbox(tenant_id, ident)
        if mailbox is None:
            raise NotFound(f"mailbox {ident} not found", {"id": ident})
        return ports.facts.domain(tenant_id, mailbox.domain_id), [mailbox]
    domain = ports.facts.domain(tenant_id, ident)
    if domain is None:
        raise NotFound(f"domain {ident} not found", {"id": ident})
    mine = [m for m in ports.facts.mailboxes(tenant_id) if m.domain_id == ident]
    return domain, mine


def _infrastructure(
    ports: HealthPorts, tenant_id: str, domain: DomainFacts | None, mailboxes: list[MailboxFacts]
) -> Infrastructure:
    servers = sorted({(m.smtp_host, m.smtp_port) for m in mailboxes})
    states = [ports.facts.breaker_state(tenant_id, host, port) for host, port in servers]
    listed = ports.alerts.blacklists(tenant_id, domain.domain_id) if domain else {}
    return Infrastructure([m.status for m in mailboxes], states, listed)


def health(ports: HealthPorts, tenant_id: str, scope: str) -> dict[str, Any]:
    """Score, parts, anomalies and forecast of ``mailbox:<id>`` or ``domain:<id>``; reads
    only (the blacklist part shows the monitor's last DNSBL results)."""
    kind, _, ident = scope.partition(":")
    domain, mailboxes = _subject(ports, tenant_id, kind, ident)
    today = ports.clock.now_iso()[:10]
    days = history(ports, tenant_id, scope, today)
    first = first_day(today, SCORE_DAYS)
    counts = summed(c for day, c in days.items() if day >= first)
    checks = domain.checks if domain else {}
    score = health_score(checks, counts, _infrastructure(ports, tenant_id, domain, mailboxes))
    return {
        "scope": scope,
        "day": today,
        "score_window": {"from": first, "to": today},
        "history_window": {"from": first_day(today, HISTORY_DAYS), "to": today},
        **score.to_public(),
        "anomalies": [anomaly.detect(days, m).to_public() for m in anomaly.METRICS],
        "forecast": spam_forecast.forecast(days, today).to_public(),
    }


def monitor(ports: HealthPorts, tenant_id: str | None = None) -> dict[str, int]:
    """One run: every mailbox and domain of every tenant that has mailboxes, and every
    running campaign (only ``tenant_id``'s when given). Each scope costs one counters read
    (plus the domain's DNSBL lookups)."""
    report = {"tenants": 0, "scopes": 0, "raised": 0}
    scopes: dict[str, list[str]] = {}
    tenants = [tenant_id] if tenant_id is not None else ports.facts.tenants_with_mailboxes()
    for tenant in tenants:
        mine = ports.facts.mailboxes(tenant)
        scopes[tenant] = [f"mailbox:{m.mailbox_id}" for m in mine]
        scopes[tenant] += [f"domain:{d}" for d in sorted({m.domain_id for m in mine})]
    for tenant, campaign_id in ports.facts.running_campaigns():
        if tenant_id is None or tenant == tenant_id:
            scopes.setdefault(tenant, []).append(f"campaign:{campaign_id}")
    for tenant, found in scopes.items():
        report["tenants"] += 1
        for scope in found:
            report["scopes"] += 1
            report["raised"] += len(evaluate(ports, tenant, scope).raised)
    return report
