"""Analytics: overview, time series, a campaign per step and variant, deliverability and the
engagement heatmap, read from the real-time counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.clock import system_clock
from chalicelib.core.errors import BadRequest
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.analytics import wiring
    from chalicelib.analytics.rules import ranges
    from chalicelib.analytics.rules.ranges import DayRange
    from chalicelib.analytics.service import dashboard, owners
    from chalicelib.http.views import Call
else:
    dashboard = lazy.module("chalicelib.analytics.service.dashboard")
    owners = lazy.module("chalicelib.analytics.service.owners")
    ranges = lazy.module("chalicelib.analytics.rules.ranges")
    wiring = lazy.module("chalicelib.analytics.wiring")

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.analytics.schemas."
RANGE = ("from", "to")
SCOPES = ("campaign_id", "mailbox_id", "domain_id")


def _range(call: Call) -> DayRange:
    return ranges.parse_range(call.query, system_clock().now().date())


@route(
    bp,
    "/analytics/overview",
    "GET",
    auth="full",
    tag="analytics",
    reply=M + "OverviewReply",
    query=RANGE,
    errors=(400, 401, 403, 422),
    summary="The tenant's counts and rates over a range of days (default the last 30).",
)
def overview(call: Call) -> Reply:
    return Reply(dashboard.overview(wiring.reads(), call.tenant.tenant_id, _range(call)))


def _scope(call: Call) -> str:
    asked = [(name, call.query[name]) for name in SCOPES if call.query.get(name)]
    if len(asked) > 1:
        raise BadRequest(
            "give at most one of campaign_id, mailbox_id, domain_id", {"field": asked[1][0]}
        )
    if not asked:
        return "tenant"
    name, ident = asked[0]
    kind = name.removesuffix("_id")
    owners.require_owned(call.tenant.tenant_id, kind, ident, name)
    return f"{kind}:{ident}"


@route(
    bp,
    "/analytics/timeseries",
    "GET",
    auth="full",
    tag="analytics",
    reply=M + "TimeseriesReply",
    query=("metric", "group_by", *SCOPES, *RANGE),
    errors=(400, 401, 403, 404, 422),
    summary="One metric per day, ISO week or month, for the tenant or one campaign, "
    "mailbox or domain.",
)
def timeseries(call: Call) -> Reply:
    metric = ranges.parse_metric(call.query.get("metric"))
    group = ranges.parse_group(call.query.get("group_by"))
    span, scope = _range(call), _scope(call)
    reads, tenant_id = wiring.reads(), call.tenant.tenant_id
    return Reply(dashboard.timeseries(reads, tenant_id, scope, metric, group, span))


@route(
    bp,
    "/campaigns/{campaign_id}/analytics",
    "GET",
    auth="full",
    tag="analytics",
    reply=M + "CampaignAnalyticsReply",
    errors=(400, 401, 403, 404),
    summary="A campaign's counts and rates, in total and per step and A/B variant.",
)
def campaign_analytics(call: Call, campaign_id: str) -> Reply:
    owners.require_owned(call.tenant.tenant_id, "campaign", campaign_id, "campaign_id")
    return Reply(dashboard.campaign(wiring.reads(), call.tenant.tenant_id, campaign_id))


@route(
    bp,
    "/analytics/deliverability",
    "GET",
    auth="full",
    tag="analytics",
    reply=M + "DeliverabilityReply",
    query=RANGE,
    errors=(400, 401, 403, 422),
    summary="Counts and rates per sending domain, mailbox and recipient provider.",
)
def deliverability(call: Call) -> Reply:
    return Reply(dashboard.deliverability(wiring.reads(), call.tenant.tenant_id, _range(call)))


@route(
    bp,
    "/analytics/heatmap",
    "GET",
    auth="full",
    tag="analytics",
    reply=M + "HeatmapReply",
    query=RANGE,
    errors=(400, 401, 403, 422),
    summary="Human opens and clicks per weekday and hour of the recipient's local time, "
    "over the months of the range.",
)
def heatmap(call: Call) -> Reply:
    return Reply(dashboard.heatmap(wiring.reads(), call.tenant.tenant_id, _range(call)))
