"""Report jobs over fakes: asked for (kind, filters and their records checked, queued),
run (the statement proved to prune to the job's tenant and days before it runs; rows in
the job or, when large, in a CSV file), shown, downloaded as neutralised CSV."""

from __future__ import annotations

import pytest

from chalicelib.analytics import report_service as service
from chalicelib.analytics.ports import QueryResult
from chalicelib.analytics.reports import predicates
from chalicelib.analytics.reports.jobs import ROWS_IN_ITEM, cost_usd
from chalicelib.core.clock import SystemClock
from chalicelib.core.errors import Conflict, NotFound, ServiceUnavailable, UnprocessableEntity
from chalicelib.core.tenancy import system_context
from tests.fakes.analytics_reports import (
    FakeOwners,
    FakeQueries,
    FakeReportFiles,
    FakeReportJobs,
    FakeReportQueue,
)

A = system_context("ten_" + "a" * 20, "business")
B = system_context("ten_" + "b" * 20, "business")
CAMPAIGN = "cmp_" + "c" * 22
RANGE = {"from": "2026-01-01", "to": "2026-01-31"}


def _ports(queries=None, queue=None) -> service.ReportPorts:
    asked = queries or FakeQueries()
    return service.ReportPorts(
        jobs=FakeReportJobs(),
        queue=queue or FakeReportQueue(),
        files=FakeReportFiles(),
        owners=FakeOwners({(A.tenant_id, "campaign_id", CAMPAIGN)}),
        clock=SystemClock(),
        queries=lambda: asked,
    )


def test_a_report_is_stored_queued_and_put_on_the_queue():
    ports = _ports()
    job = service.create(ports, A, "daily_summary", {**RANGE, "campaign_id": CAMPAIGN})
    assert job.report_id.startswith("rpt_") and job.status == "queued"
    assert ports.queue.sent == [(A.tenant_id, job.report_id)]
    assert service.find(ports, A, job.report_id) == job


def test_an_unknown_kind_is_a_422_naming_kind():
    with pytest.raises(UnprocessableEntity) as refused:
        service.create(_ports(), A, "everything; DROP TABLE events", RANGE)
    assert refused.value.details == {"field": "kind"}


def test_another_tenants_campaign_is_a_404_naming_the_filter():
    ports = _ports()
    with pytest.raises(NotFound) as refused:
        service.create(ports, B, "campaign_steps", {**RANGE, "campaign_id": CAMPAIGN})
    assert refused.value.details == {"field": "filters.campaign_id"}
    assert ports.queue.sent == [] and ports.jobs.items == {}


def test_a_queue_that_refuses_fails_the_job_and_answers_503():
    ports = _ports(queue=FakeReportQueue(refuse=True))
    with pytest.raises(ServiceUnavailable):
        service.create(ports, A, "daily_summary", RANGE)
    (job,) = ports.jobs.items.values()
    assert job.status == "failed" and job.error["code"] == "not_queued"


def test_another_tenants_report_is_not_found():
    ports = _ports()
    job = service.create(ports, A, "daily_summary", RANGE)
    for report_id in (job.report_id, "rpt_x' OR 1=1", "nope"):
        with pytest.raises(NotFound):
            service.find(ports, B, report_id)


def test_the_worker_runs_the_pruned_statement_and_keeps_the_rows():
    # given
    answer = QueryResult(["day", "sent"], [["2026-01-01", 4], ["2026-01-02", 1]], 123)
    queries = FakeQueries(lambda sql: answer)
    ports = _ports(queries)
    job = service.create(ports, A, "daily_summary", {**RANGE, "campaign_id": CAMPAIGN})
    # when
    outcome = service.run(ports, A.tenant_id, job.report_id)
    # then
    assert outcome == "completed"
    (sql,) = queries.asked
    assert predicates(sql) == ({A.tenant_id}, "2026-01-01", "2026-01-31")
    shown = service.find(ports, A, job.report_id).to_public()
    assert shown["status"] == "completed"
    assert (shown["columns"], shown["rows"], shown["rows_total"]) == (
        answer.columns,
        answer.rows,
        2,
    )
    assert (shown["bytes_scanned"], shown["cost_usd"]) == (123, cost_usd(123))
    # and a redelivered record runs nothing again
    assert service.run(ports, A.tenant_id, job.report_id) == "skipped"
    assert len(queries.asked) == 1


def test_a_large_result_is_a_csv_file_and_the_job_keeps_a_preview():
    rows = [[f"d{i}.example", i] for i in range(ROWS_IN_ITEM + 1)]
    ports = _ports(FakeQueries(lambda sql: QueryResult(["recipient_domain", "sent"], rows, 9)))
    job = service.create(ports, A, "recipient_domains", RANGE)
    service.run(ports, A.tenant_id, job.report_id)
    shown = service.find(ports, A, job.report_id).to_public()
    assert shown["rows_total"] == len(rows) and shown["rows_truncated"]
    assert len(shown["rows"]) == 100
    key = f"tenant/{A.tenant_id}/reports/{job.report_id}.csv"
    text = service.csv_text(ports, A, job.report_id)
    assert ports.files.files[key].decode() == text
    assert text.count("\r\n") == len(rows) + 1


def test_a_failed_query_fails_the_job_with_its_error():
    ports = _ports(FakeQueries(error=RuntimeError("Query exhausted resources")))
    job = service.create(ports, A, "bounce_codes", RANGE)
    assert service.run(ports, A.tenant_id, job.report_id) == "failed"
    failed = service.find(ports, A, job.report_id)
    assert failed.error == {"code": "query_failed", "message": "Query exhausted resources"}
    with pytest.raises(Conflict):
        service.csv_text(ports, A, job.report_id)


def test_the_csv_neutralises_formulas_and_leaves_nulls_empty():
    rows = [['=HYPERLINK("http://x")', None], ["@SUM(A1)", 2.5], ["-1", 0]]
    ports = _ports(FakeQueries(lambda sql: QueryResult(["recipient_domain", "rate"], rows, 1)))
    job = service.create(ports, A, "recipient_domains", RANGE)
    service.run(ports, A.tenant_id, job.report_id)
    lines = service.csv_text(ports, A, job.report_id).split("\r\n")
    assert lines[:4] == [
        "recipient_domain,rate",
        '"\'=HYPERLINK(""http://x"")",',
        "'@SUM(A1),2.5",
        "'-1,0",
    ]


@pytest.mark.parametrize(
    ("scanned", "usd"), [(0, 10 / 1024**2 * 5), (10 * 1024**2 + 1, 11 / 1024**2 * 5)]
)
def test_the_cost_is_athenas_list_price_with_its_minimum(scanned, usd):
    assert cost_usd(scanned) == round(usd, 8)
