"""Reports: ask for one (a kind and filters; answered 202 with its id), read its status and
rows, download its CSV, list them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.pagination import parse_limit
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.analytics import report_service as service
    from chalicelib.analytics import wiring
    from chalicelib.http.views import Call
else:
    service = lazy.module("chalicelib.analytics.report_service")
    wiring = lazy.module("chalicelib.analytics.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.analytics.report_schemas."
ONE = "/analytics/reports/{report_id}"


@route(
    bp,
    "/analytics/reports",
    "POST",
    auth="full",
    tag="analytics",
    body=M + "CreateReport",
    reply=M + "CreatedReportReply",
    status=202,
    action="report.create",
    errors=(400, 401, 403, 404, 422, 503),
    summary="Ask for a report of one kind over a day range (at most 400 days); it runs "
    "over the event history and is read at its own route.",
)
def create_report(call: Call) -> Reply:
    b = call.body
    job = service.create(wiring.report_ports(), call.tenant, b.kind, b.filters.raw())
    return Reply({"id": job.report_id, "status": job.status}, 202, resource_id=job.report_id)


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="analytics",
    reply=M + "ReportReply",
    errors=(401, 403, 404),
    summary="A report's status, columns and rows, bytes scanned and cost.",
)
def get_report(call: Call, report_id: str) -> Reply:
    return Reply(service.find(wiring.report_ports(), call.tenant, report_id).to_public())


@route(
    bp,
    ONE + "/csv",
    "GET",
    auth="full",
    tag="analytics",
    errors=(401, 403, 404, 409, 503),
    summary="A completed report's rows as CSV (cells that a spreadsheet would run as a "
    "formula are quoted as text).",
)
def report_csv(call: Call, report_id: str) -> Reply:
    text = service.csv_text(wiring.report_ports(), call.tenant, report_id)
    headers = {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{report_id}.csv"',
    }
    return Reply(text, 200, headers=headers)


@route(
    bp,
    "/analytics/reports",
    "GET",
    auth="full",
    tag="analytics",
    reply=M + "ReportPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="Reports, newest first.",
)
def list_reports(call: Call) -> Reply:
    limit = parse_limit(call.query.get("limit"))
    found = service.page(wiring.report_ports(), call.tenant, limit, call.query.get("next_token"))
    return Reply(found.shaped(lambda job: job.to_public()))
