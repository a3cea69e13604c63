"""Report jobs: asked for (kind and filters checked, the filters' records the caller's own,
the job stored ``queued`` and put on the ``analytics-reports`` queue), run by the worker
(the kind's SQL, proved to prune to the job's tenant and days, through the analytics
queries; rows kept in the job or, when large, as a CSV file), shown and downloaded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.analytics.reports import filters as report_filters
from chalicelib.analytics.reports import jobs as rules
from chalicelib.analytics.reports.csvfile import write_csv
from chalicelib.core import ids
from chalicelib.core.errors import Conflict, NotFound, ServiceUnavailable, UnprocessableEntity

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from chalicelib.analytics.ports import (
        AnalyticsQueries,
        QueryResult,
        RecordOwners,
        ReportFiles,
        ReportJobs,
        ReportQueue,
    )
    from chalicelib.analytics.reports.filters import ReportFilters
    from chalicelib.analytics.reports.jobs import ReportJob, ReportResult
    from chalicelib.core.clock import Clock
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext


@dataclass(frozen=True)
class ReportPorts:
    jobs: ReportJobs
    queue: ReportQueue
    files: ReportFiles
    owners: RecordOwners
    clock: Clock
    queries: Callable[[], AnalyticsQueries]  # built on first use: the API never queries
    database: str | None = None  # qualifies the events table when the engine needs it


def _kind(kind: str) -> str:
    if kind not in rules.KIND_NAMES:
        known = ", ".join(rules.KIND_NAMES)
        raise UnprocessableEntity(f"unknown report kind; kinds are {known}", {"field": "kind"})
    return kind


def _check_owned(ports: ReportPorts, ctx: TenantContext, checked: ReportFilters) -> None:
    for name, record_id in checked.ids().items():
        if not ports.owners.owns(ctx, name, record_id):
            raise NotFound(f"no such {name.removesuffix('_id')}", {"field": f"filters.{name}"})


def create(
    ports: ReportPorts, ctx: TenantContext, kind: str, filters: Mapping[str, Any]
) -> ReportJob:
    """A queued report job; 422 naming the field for an unknown kind or a bad filter, 404
    naming the filter for a record that is not the caller's."""
    kind = _kind(kind)
    checked = report_filters.parse_filters(filters)
    _check_owned(ports, ctx, checked)
    now = ports.clock.now_iso()
    report_id = ids.new_sortable_id(rules.ID_PREFIX)
    job = rules.ReportJob(ctx.tenant_id, report_id, kind, checked, "queued", now, now)
    ports.jobs.create(job)
    try:
        ports.queue.enqueue(job.tenant_id, job.report_id)
    except Exception as exc:
        error = {"code": "not_queued", "message": "the report could not be queued; ask again"}
        ports.jobs.finish(job.tenant_id, job.report_id, now, None, error)
        raise ServiceUnavailable("the report queue is unavailable; try again") from exc
    return job


def find(ports: ReportPorts, ctx: TenantContext, report_id: str) -> ReportJob:
    job = None
    if ids.is_well_formed(report_id, rules.ID_PREFIX):
        job = ports.jobs.get(ctx.tenant_id, report_id)
    if job is None:
        raise NotFound("no such report", {"field": "report_id"})
    return job


def page(ports: ReportPorts, ctx: TenantContext, limit: int, token: str | None) -> Page[ReportJob]:
    return ports.jobs.list(ctx.tenant_id, limit, token)


def csv_text(ports: ReportPorts, ctx: TenantContext, report_id: str) -> str:
    """The completed report's rows as CSV; 409 while it is not completed."""
    job = find(ports, ctx, report_id)
    if job.status != "completed" or job.result is None:
        raise Conflict(f"the report is {job.status}", {"field": "status", "status": job.status})
    if job.result.csv_key is None:
        return write_csv(job.result.columns, job.result.rows)
    data = ports.files.get(job.result.csv_key)
    if data is None:
        raise ServiceUnavailable("the report's file is not readable now; try again")
    return data.decode("utf-8")


def run(ports: ReportPorts, tenant_id: str, report_id: str) -> str:
    """Run one queued job: ``completed``, ``failed`` or ``skipped`` (missing, or ended)."""
    job = ports.jobs.get(tenant_id, report_id)
    if job is None or not ports.jobs.start(tenant_id, report_id, ports.clock.now_iso()):
        return "skipped"
    try:
        found = _query(ports, job)
    except Exception as exc:  # noqa: BLE001 - the job says why; the record is not retried
        error = {"code": "query_failed", "message": str(exc)[:500] or type(exc).__name__}
        ports.jobs.finish(tenant_id, report_id, ports.clock.now_iso(), None, error)
        return "failed"
    result = _kept(ports, job, found)
    ports.jobs.finish(tenant_id, report_id, ports.clock.now_iso(), result)
    return "completed"


def _query(ports: ReportPorts, job: ReportJob) -> QueryResult:
    from chalicelib.analytics.reports import build_sql, predicates

    sql = build_sql(job.kind, job.tenant_id, job.filters, ports.database)
    tenants, first, last = predicates(sql)
    if tenants != {job.tenant_id} or (first, last) != (job.filters.first, job.filters.last):
        raise RuntimeError(f"the report's SQL is not held to its tenant and days: {sql}")
    return ports.queries().run(sql)


def _kept(ports: ReportPorts, job: ReportJob, found: QueryResult) -> ReportResult:
    """All rows in the job when they fit; else the CSV in the bucket and a preview."""
    columns, rows = list(found.columns), [list(r) for r in found.rows]
    if rules.fits_in_item(columns, rows):
        return rules.ReportResult(columns, rows, len(rows), found.bytes_scanned)
    key = rules.csv_key(job.tenant_id, job.report_id)
    ports.files.put(key, write_csv(columns, rows).encode("utf-8"), "text/csv; charset=utf-8")
    preview = rows[: rules.PREVIEW_ROWS]
    return rules.ReportResult(columns, preview, len(rows), found.bytes_scanned, key)
