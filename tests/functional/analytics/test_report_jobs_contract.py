"""The ``ReportJobs`` contract: the in-memory twin and ``DynamoReportJobs`` (ReportsTable)
move a job the same way (queued → running → completed or failed, never after it ended),
keep its result, list newest first and keep tenants apart."""

from __future__ import annotations

import pytest

from chalicelib.analytics.reports.filters import ReportFilters
from chalicelib.analytics.reports.jobs import ReportJob, ReportResult
from chalicelib.core import ids
from tests.fakes.analytics_reports import FakeReportJobs
from tests.functional.twins import TWINS, new_tenant, twin, walk

NOW = "2026-11-28T12:00:00.000Z"
LATER = "2026-11-28T12:05:00.000Z"
FILTERS = ReportFilters("2026-10-01", "2026-10-31", campaign_id="cmp_" + "a" * 22)


@pytest.fixture(params=TWINS)
def jobs(request):
    def real():
        from chalicelib.analytics.wiring import report_jobs

        return report_jobs()

    return twin(request, FakeReportJobs, real)


def _queued(jobs, tenant_id: str | None = None) -> ReportJob:
    tenant = tenant_id or new_tenant().tenant_id
    job = ReportJob(
        tenant, ids.new_sortable_id("rpt"), "daily_summary", FILTERS, "queued", NOW, NOW
    )
    jobs.create(job)
    return job


def test_a_created_job_reads_back(jobs):
    job = _queued(jobs)
    assert jobs.get(job.tenant_id, job.report_id) == job
    assert jobs.get(new_tenant().tenant_id, job.report_id) is None


def test_a_job_runs_then_completes_with_its_result(jobs):
    job = _queued(jobs)
    result = ReportResult(
        ["day", "sent", "rate"], [["2026-10-01", 3, 0.25], ["x", None, 1.0]], 2, 7
    )
    assert jobs.start(job.tenant_id, job.report_id, NOW)
    assert jobs.start(job.tenant_id, job.report_id, NOW)  # a redelivered record
    assert jobs.finish(job.tenant_id, job.report_id, LATER, result)
    done = jobs.get(job.tenant_id, job.report_id)
    assert (done.status, done.result, done.error) == ("completed", result, None)
    assert (done.started_at, done.completed_at) == (NOW, LATER)
    assert not jobs.start(job.tenant_id, job.report_id, LATER)
    assert not jobs.finish(job.tenant_id, job.report_id, LATER, None, {"code": "x", "message": "y"})


def test_a_large_result_keeps_its_file_key(jobs):
    job = _queued(jobs)
    result = ReportResult(["a"], [[1]], 5000, 10, f"tenant/{job.tenant_id}/reports/x.csv")
    jobs.start(job.tenant_id, job.report_id, NOW)
    jobs.finish(job.tenant_id, job.report_id, LATER, result)
    assert jobs.get(job.tenant_id, job.report_id).result == result


def test_a_failed_job_says_why(jobs):
    job = _queued(jobs)
    error = {"code": "query_failed", "message": "too many bytes"}
    assert jobs.finish(job.tenant_id, job.report_id, LATER, None, error)
    failed = jobs.get(job.tenant_id, job.report_id)
    assert (failed.status, failed.error, failed.result) == ("failed", error, None)


def test_listing_is_newest_first_and_the_tenants_own(jobs):
    tenant = new_tenant().tenant_id
    made = [_queued(jobs, tenant).report_id for _ in range(5)]
    _queued(jobs)
    pages = walk(lambda token: jobs.list(tenant, 2, token))
    assert [j.report_id for p in pages for j in p.items] == made[::-1]
