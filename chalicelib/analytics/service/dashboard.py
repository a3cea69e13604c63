"""The dashboard reads: overview, time series, a campaign per step and variant,
deliverability by domain, mailbox and recipient provider, and the engagement heatmap, all
from the counters (``AnalyticsReads``) in a handful of requests each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.analytics.rules.metrics import COUNT_METRICS, RATE_METRICS, rates, summed
from chalicelib.analytics.rules.ranges import bucket
from chalicelib.analytics.rules.scopes import PROVIDERS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.analytics.ports import AnalyticsReads
    from chalicelib.analytics.rules.ranges import DayRange


def figures(counts: Mapping[str, int]) -> dict[str, Any]:
    """The reply shape of a set of counts: every count metric and every rate."""
    full = summed([counts])
    return {"counts": {m: full[m] for m in COUNT_METRICS}, "rates": rates(full)}


def overview(reads: AnalyticsReads, tenant_id: str, span: DayRange) -> dict[str, Any]:
    days = reads.days(tenant_id, "tenant", span.first, span.last)
    return {"from": span.first, "to": span.last, **figures(summed(days.values()))}


def timeseries(
    reads: AnalyticsReads, tenant_id: str, scope: str, metric: str, group: str, span: DayRange
) -> dict[str, Any]:
    days = reads.days(tenant_id, scope, span.first, span.last)
    buckets: dict[str, list[Mapping[str, int]]] = {}
    for day in span.days():
        buckets.setdefault(bucket(day, group), []).append(days.get(day, {}))
    points = []
    for period, counts in buckets.items():
        total = summed(counts)
        value = rates(total)[metric] if metric in RATE_METRICS else total.get(metric, 0)
        points.append({"period": period, "value": value})
    kind, _, ident = scope.partition(":")
    return {
        "metric": metric,
        "group_by": group,
        "from": span.first,
        "to": span.last,
        "scope": {"kind": kind, "id": ident or None},
        "points": points,
    }


def campaign(reads: AnalyticsReads, tenant_id: str, campaign_id: str) -> dict[str, Any]:
    steps = reads.steps(tenant_id, campaign_id)
    ordered = sorted(steps.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    return {
        "campaign_id": campaign_id,
        **figures(summed(steps.values())),
        "steps": [
            {"step": step, "variant": variant, **figures(counts)}
            for (step, variant), counts in ordered
        ],
    }


def deliverability(reads: AnalyticsReads, tenant_id: str, span: DayRange) -> dict[str, Any]:
    found = reads.breakdown(tenant_id, span.first, span.last)
    providers = {p: found["provider"].get(p, {}) for p in PROVIDERS}

    def listed(kind: str, per_id: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
        return [{kind: ident, **figures(counts)} for ident, counts in per_id.items()]

    return {
        "from": span.first,
        "to": span.last,
        "domains": listed("domain_id", dict(sorted(found["domain"].items()))),
        "mailboxes": listed("mailbox_id", dict(sorted(found["mailbox"].items()))),
        "providers": listed("provider", providers),
    }


def heatmap(reads: AnalyticsReads, tenant_id: str, span: DayRange) -> dict[str, Any]:
    months = span.months()
    found = reads.heat(tenant_id, months)

    def grid(cells: Mapping[tuple[int, int], int]) -> list[list[int]]:
        return [[cells.get((w, h), 0) for h in range(24)] for w in range(7)]

    return {
        "months": months,
        "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "opens": grid(found["opens"]),
        "clicks": grid(found["clicks"]),
    }
