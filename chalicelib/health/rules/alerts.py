"""The alert rules of PRODUCT.md "Metrics", pure: from a scope's counts (or blacklist results)
to the findings that must be raised, each with its inputs, threshold and decision.

- bounce rate > 3 % warns; > 5 % pauses the mailbox (scope ``mailbox:<id>``) or every mailbox
  of the domain (``domain:<id>``). Only the strongest finding is returned: a day that jumps
  straight past 5 % raises the pause, not a warning beside it.
- spam rate (complaints / delivered) > 0.1 % pauses the campaign (``campaign:<id>``).
- any blacklist listing of the domain or one of its IPs pauses the domain.

Minimum samples, so that one bounce out of two sends pauses nothing: a bounce rule needs
``MIN_SENT`` (20) sends in the window, the lowest count at which one bounce (5 %) is not
already past the pause line by itself; the spam rule needs ``MIN_DELIVERED`` (50) delivered,
since below 1,000 any single complaint is over 0.1 %: the campaign is paused on a complaint
only once it has reached enough people for a complaint to be a signal, not an accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.core import ids
from chalicelib.core.events import new_event
from chalicelib.health.rules.rates import delivered, rates

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.core.events import Event

BOUNCE_WARN, BOUNCE_PAUSE, SPAM_PAUSE = 0.03, 0.05, 0.001
MIN_SENT, MIN_DELIVERED = 20, 50
KINDS = (
    "bounce_rate_warning",
    "bounce_rate_pause",
    "spam_rate_pause",
    "blacklisted",
    "anomaly_bounce_rate",
    "anomaly_deferral_rate",
    "anomaly_spam_rate",
    "spam_forecast",
)
STATUSES = ("open", "resolved")
ACTIONS = ("none", "pause_mailbox", "pause_domain", "pause_campaign", "throttle_mailbox")


@dataclass(frozen=True)
class Finding:
    """One alert to raise: what, where, how bad, what to do, and why."""

    kind: str
    scope: str
    severity: str  # warning | critical
    action: str
    message: str
    explanation: dict[str, Any] = field(default_factory=dict)


def scope_kind(scope: str) -> str:
    return scope.partition(":")[0]


def _pause_for(scope: str) -> str:
    return {"mailbox": "pause_mailbox", "domain": "pause_domain"}[scope_kind(scope)]


def bounce_findings(scope: str, counts: Mapping[str, int]) -> list[Finding]:
    sent, bounced = counts.get("sent", 0), counts.get("bounced", 0)
    rate = rates(counts)["bounce_rate"]
    base = {"sent": sent, "bounced": bounced, "bounce_rate": rate, "min_sent": MIN_SENT}
    if sent < MIN_SENT or rate is None or rate <= BOUNCE_WARN:
        return []
    if rate > BOUNCE_PAUSE:
        why = {**base, "threshold": BOUNCE_PAUSE, "decision": _pause_for(scope)}
        text = f"bounce rate {rate:.1%} over {BOUNCE_PAUSE:.0%} ({bounced}/{sent}): paused"
        return [Finding("bounce_rate_pause", scope, "critical", _pause_for(scope), text, why)]
    why = {**base, "threshold": BOUNCE_WARN, "decision": "warn"}
    text = f"bounce rate {rate:.1%} over {BOUNCE_WARN:.0%} ({bounced}/{sent})"
    return [Finding("bounce_rate_warning", scope, "warning", "none", text, why)]


def spam_findings(scope: str, counts: Mapping[str, int]) -> list[Finding]:
    ok, complaints = delivered(counts), counts.get("complaints", 0)
    rate = rates(counts)["spam_rate"]
    if ok < MIN_DELIVERED or rate is None or rate <= SPAM_PAUSE:
        return []
    why = {
        "delivered": ok,
        "complaints": complaints,
        "spam_rate": rate,
        "min_delivered": MIN_DELIVERED,
        "threshold": SPAM_PAUSE,
        "decision": "pause_campaign",
    }
    text = f"spam rate {rate:.2%} over {SPAM_PAUSE:.1%} ({complaints}/{ok}): campaign paused"
    return [Finding("spam_rate_pause", scope, "critical", "pause_campaign", text, why)]


def blacklist_findings(scope: str, results: Mapping[str, str]) -> list[Finding]:
    """``results``: ``<target>@<zone>`` → listed | not_listed | unknown. Unknown (a timeout)
    is never a listing."""
    listed = sorted(t for t, r in results.items() if r == "listed")
    if not listed:
        return []
    why = {"listings": listed, "checked": dict(results), "decision": "pause_domain"}
    text = "listed on " + ", ".join(listed) + ": the domain's mailboxes are paused"
    return [Finding("blacklisted", scope, "critical", "pause_domain", text, why)]


@dataclass(frozen=True)
class Alert:
    """A raised finding. One per (scope, kind, day): its id is derived from them, so the
    same finding evaluated again the same day is the same alert, never a second one."""

    tenant_id: str
    alert_id: str
    kind: str
    scope: str
    day: str
    severity: str
    action: str
    message: str
    explanation: dict[str, Any]
    raised_at: str
    status: str = "open"
    outcome: str = "pending"  # what the action did: paused, throttled to 25, none, …

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.alert_id,
            "kind": self.kind,
            "scope": self.scope,
            "day": self.day,
            "severity": self.severity,
            "status": self.status,
            "action": self.action,
            "outcome": self.outcome,
            "message": self.message,
            "explanation": self.explanation,
            "raised_at": self.raised_at,
        }


def new_alert(tenant_id: str, finding: Finding, day: str, now: str) -> Alert:
    seed = f"{tenant_id}\n{finding.scope}\n{finding.kind}\n{day}"
    outcome = "pending" if finding.action != "none" else "none"
    return Alert(
        tenant_id,
        ids.derived_id("alr", seed),
        finding.kind,
        finding.scope,
        day,
        finding.severity,
        finding.action,
        finding.message,
        finding.explanation,
        now,
        outcome=outcome,
    )


def raised_event(alert: Alert) -> Event:
    """The ``alert.raised`` event, stored with the alert. Ids and verdicts only."""
    return new_event(
        "alert.raised",
        alert.tenant_id,
        alert.raised_at,
        alert_id=alert.alert_id,
        kind=alert.kind,
        scope=alert.scope,
        day=alert.day,
        severity=alert.severity,
        action=alert.action,
    )
