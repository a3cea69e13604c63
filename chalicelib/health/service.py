"""Health use cases, over ports only: evaluate one scope (mailbox, domain or campaign) and
act on what the rules find; the health view of a mailbox or domain (score, anomalies,
forecast, each explained); the monitor run over every tenant.

An alert is raised at most once per (scope, kind, day): ``raise_once`` stores it and its
``alert.raised`` event in one transaction, and only the call that stored it acts (pause,
throttle) and notifies, so a re-evaluation never pauses, throttles or notifies twice. The
action's outcome is written on the alert afterwards (``pending`` until then: an action that
failed leaves it so, for an operator to see).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from chalicelib.health.rules import alerts, anomaly
from chalicelib.health.rules import forecast as spam_forecast
from chalicelib.health.rules.alerts import Finding, new_alert, raised_event

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.health.ports import (
        Actions,
        AlertStore,
        AnalyticsReads,
        Blacklists,
        Facts,
        TenantNotifier,
    )
    from chalicelib.health.rules.alerts import Alert

HISTORY_DAYS = 30  # what the detector and the forecast read (one request per scope)
SCORE_DAYS = 7  # the window of the score's rates
ACTOR = "health"
Days = dict[str, dict[str, int]]


@dataclass
class HealthPorts:
    reads: AnalyticsReads
    alerts: AlertStore
    facts: Facts
    actions: Actions
    blacklists: Blacklists
    notify: TenantNotifier
    clock: Clock


@dataclass(frozen=True)
class Evaluation:
    scope: str
    findings: list[Finding]
    raised: list[Alert]


def first_day(today: str, days: int) -> str:
    return (date.fromisoformat(today) - timedelta(days=days - 1)).isoformat()


def history(ports: HealthPorts, tenant_id: str, scope: str, today: str) -> Days:
    found = ports.reads.days(tenant_id, scope, first_day(today, HISTORY_DAYS), today)
    return {**found, today: found.get(today, {})}  # the detector judges today, data or not


def rate_findings(scope: str, days: Days, today: str) -> list[Finding]:
    """Today's bounce alert and the detector's anomalies of a mailbox or domain."""
    found = alerts.bounce_findings(scope, days[today])
    for metric in anomaly.METRICS:
        seen = anomaly.detect(days, metric)
        if seen.decision == "anomaly":
            text = f"{metric} {seen.value:.2%} is {seen.z:.1f} std above its usual {seen.mean:.2%}"
            why = seen.to_public()
            found.append(Finding(f"anomaly_{metric}", scope, "warning", "none", text, why))
    return found


def _mailbox(ports: HealthPorts, tenant_id: str, mailbox_id: str, today: str) -> list[Finding]:
    scope = f"mailbox:{mailbox_id}"
    days = history(ports, tenant_id, scope, today)
    found = rate_findings(scope, days, today)
    cast = spam_forecast.forecast(days, today)
    if cast.decision == "throttle":
        text = (
            f"spam rate trends to {spam_forecast.LIMIT:.1%} by {cast.crossing_day} "
            f"({cast.days_until} days): daily cap cut"
        )
        why = cast.to_public()
        found.append(Finding("spam_forecast", scope, "warning", "throttle_mailbox", text, why))
    return found


def _domain(ports: HealthPorts, tenant_id: str, domain_id: str, today: str) -> list[Finding]:
    scope = f"domain:{domain_id}"
    found = rate_findings(scope, history(ports, tenant_id, scope, today), today)
    domain = ports.facts.domain(tenant_id, domain_id)
    if domain is not None:
        results = ports.blacklists.check(domain.server_ips, (domain.name,))
        ports.alerts.save_blacklists(tenant_id, domain_id, results)
        found += alerts.blacklist_findings(scope, results)
    return found


def _campaign(ports: HealthPorts, tenant_id: str, campaign_id: str, today: str) -> list[Finding]:
    scope = f"campaign:{campaign_id}"
    counts = ports.reads.days(tenant_id, scope, today, today).get(today, {})
    return alerts.spam_findings(scope, counts)


_FINDERS = {"mailbox": _mailbox, "domain": _domain, "campaign": _campaign}


def evaluate(ports: HealthPorts, tenant_id: str, scope: str) -> Evaluation:
    """Judge ``scope`` (``mailbox:<id>``, ``domain:<id>``, ``campaign:<id>``) today, raise
    what is new and act on it."""
    today = ports.clock.now_iso()[:10]
    kind, _, ident = scope.partition(":")
    findings = _FINDERS[kind](ports, tenant_id, ident, today)
    raised = [a for a in (_raise(ports, tenant_id, f, today) for f in findings) if a]
    return Evaluation(scope, findings, raised)


def _raise(ports: HealthPorts, tenant_id: str, finding: Finding, today: str) -> Alert | None:
    alert = new_alert(tenant_id, finding, today, ports.clock.now_iso())
    if not ports.alerts.raise_once(alert, raised_event(alert)):
        return None
    if alert.action != "none":
        alert = replace(alert, outcome=_act(ports, alert))
        ports.alerts.set_outcome(alert, alert.outcome)
    ports.notify(tenant_id, "alert.raised", _notice(alert))
    return alert


def _act(ports: HealthPorts, alert: Alert) -> str:
    target = alert.scope.partition(":")[2]
    reason = f"{alert.kind} (alert {alert.alert_id}): {alert.message}"
    tenant = alert.tenant_id
    if alert.action == "pause_mailbox":
        return ports.actions.pause_mailbox(tenant, target, reason)
    if alert.action == "pause_campaign":
        return ports.actions.pause_campaign(tenant, target)
    if alert.action == "pause_domain":
        return _pause_domain(ports, tenant, target, reason)
    return _throttle(ports, tenant, target)


def _pause_domain(ports: HealthPorts, tenant_id: str, domain_id: str, reason: str) -> str:
    """Domains have no paused state: every mailbox on the domain is paused instead."""
    mine = [m for m in ports.facts.mailboxes(tenant_id) if m.domain_id == domain_id]
    done = [ports.actions.pause_mailbox(tenant_id, m.mailbox_id, reason) for m in mine]
    return f"paused {done.count('paused')} of the domain's {len(mine)} mailboxes"


def _throttle(ports: HealthPorts, tenant_id: str, mailbox_id: str) -> str:
    mailbox = ports.facts.mailbox(tenant_id, mailbox_id)
    if mailbox is None:
        return "not_found"
    cap = spam_forecast.throttled_cap(mailbox.daily_limit)
    now = ports.actions.lower_daily_limit(tenant_id, mailbox_id, cap)
    return f"daily limit {mailbox.daily_limit} -> {now}"


def _notice(alert: Alert) -> dict[str, str]:
    return {
        "alert_id": alert.alert_id,
        "kind": alert.kind,
        "severity": alert.severity,
        "scope": alert.scope,
        "message": alert.message,
        "action": f"{alert.action}: {alert.outcome}",
    }
