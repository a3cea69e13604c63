"""The ``ImportJobs`` and ``ExportJobs`` contracts: the in-memory twins and the DynamoDB
adapters (``ImportsTable``) pass the same tests: conditional moves, a chunk counted once,
newest-first listing, tenants apart."""

from __future__ import annotations

import pytest

from chalicelib.core import ids
from chalicelib.imports.rules.jobs import ExportJob, ExportState, ImportJob, Tally
from tests.fakes.imports import FakeExportJobs, FakeImportJobs
from tests.functional.twins import TWINS, new_tenant, twin, walk

NOW = "2026-11-28T12:00:00.000Z"
LATER = "2026-11-28T12:05:00.000Z"


@pytest.fixture(params=TWINS)
def jobs(request):
    def real():
        from chalicelib.imports.wiring import jobs

        return jobs()

    return twin(request, FakeImportJobs, real)


@pytest.fixture(params=TWINS)
def exports(request):
    def real():
        from chalicelib.imports.wiring import exports

        return exports()

    return twin(request, FakeExportJobs, real)


def _job(tenant_id: str, **extra) -> ImportJob:
    return ImportJob(
        tenant_id, ids.new_sortable_id("imp"), "pending", NOW, NOW, mapping={"E": "email"}, **extra
    )


def _running(jobs, rows: int = 2500, chunks: int = 3) -> ImportJob:
    job = _job(new_tenant().tenant_id, filename="f.csv", list_id="lst_1")
    jobs.create(job)
    assert jobs.start(job.tenant_id, job.import_id, NOW)
    shown = {
        "header": ("E", "N"),
        "columns": {"E": "email"},
        "ignored_columns": ("N",),
        "notes": ("read as cp1252",),
    }
    return jobs.parsed(jobs.get(job.tenant_id, job.import_id), rows, chunks, NOW, **shown)


def test_a_created_job_reads_back(jobs):
    job = _job(new_tenant().tenant_id, filename="f.csv", list_id="lst_1")
    jobs.create(job)
    assert jobs.get(job.tenant_id, job.import_id) == job
    assert jobs.get(new_tenant().tenant_id, job.import_id) is None


def test_start_moves_only_a_pending_job_and_unstart_only_an_unparsed_one(jobs):
    job = _job(new_tenant().tenant_id)
    jobs.create(job)
    assert jobs.start(job.tenant_id, job.import_id, LATER)
    assert not jobs.start(job.tenant_id, job.import_id, LATER)
    assert jobs.get(job.tenant_id, job.import_id).started_at == LATER
    jobs.unstart(job.tenant_id, job.import_id, LATER)
    again = jobs.get(job.tenant_id, job.import_id)
    assert (again.status, again.started_at) == ("pending", None)
    assert not jobs.start(new_tenant().tenant_id, job.import_id, LATER)


def test_the_parse_is_recorded_once(jobs):
    job = _running(jobs)
    assert (job.parsed, job.rows_total, job.chunks_total) == (True, 2500, 3)
    assert (job.header, job.columns, job.ignored_columns) == (("E", "N"), {"E": "email"}, ("N",))
    assert job.notes == ("read as cp1252",)
    assert jobs.parsed(job, 1, 1, LATER) is None
    jobs.unstart(job.tenant_id, job.import_id, LATER)
    assert jobs.get(job.tenant_id, job.import_id).status == "running"


def test_each_chunk_counts_once_and_the_counts_add_up(jobs):
    # given
    job = _running(jobs)
    first = Tally(1000, created=990, rejected={"duplicate": 4, "invalid_address": 6})
    second = Tally(1000, created=10, updated=5, unchanged=985)

    # when
    after_first = jobs.count_chunk(job.tenant_id, job.import_id, 0, first, LATER)
    again = jobs.count_chunk(job.tenant_id, job.import_id, 0, first, LATER)
    after = jobs.count_chunk(job.tenant_id, job.import_id, 1, second, LATER)

    # then
    assert after_first.chunks_done == 1 and again is None
    assert (after.rows_done, after.created, after.updated, after.unchanged) == (2000, 1000, 5, 985)
    assert after.rejected == {"duplicate": 4, "invalid_address": 6}
    assert (after.chunks_done, after.all_counted) == (2, False)
    last = jobs.count_chunk(job.tenant_id, job.import_id, 2, Tally(500, created=500), LATER)
    assert last.all_counted and last.rows_done == 2500


def test_finish_moves_a_running_job_once_with_its_report_or_error(jobs):
    job = _running(jobs)
    assert jobs.finish(job.tenant_id, job.import_id, LATER, "tenant/x/rejected.csv")
    assert not jobs.finish(job.tenant_id, job.import_id, LATER, None, {"code": "x", "message": "y"})
    done = jobs.get(job.tenant_id, job.import_id)
    assert (done.status, done.report_key, done.completed_at, done.error) == (
        "completed",
        "tenant/x/rejected.csv",
        LATER,
        None,
    )
    assert jobs.count_chunk(job.tenant_id, job.import_id, 0, Tally(1), LATER) is None
    other = _running(jobs)
    assert jobs.finish(
        other.tenant_id, other.import_id, LATER, None, {"code": "empty", "message": "m"}
    )
    failed = jobs.get(other.tenant_id, other.import_id)
    assert (failed.status, failed.error) == ("failed", {"code": "empty", "message": "m"})


def test_imports_list_newest_first_in_pages(jobs):
    tenant_id = new_tenant().tenant_id
    made = [_job(tenant_id) for _ in range(5)]
    for job in made:
        jobs.create(job)
    pages = walk(lambda token: jobs.list(tenant_id, 2, token))
    listed = [j.import_id for p in pages for j in p.items]
    assert listed == sorted((j.import_id for j in made), reverse=True)
    assert [len(p.items) for p in pages] == [2, 2, 1]


def test_an_export_moves_through_its_states(exports):
    tenant_id = new_tenant().tenant_id
    job = ExportJob(tenant_id, ids.new_sortable_id("exp"), "pending", NOW, NOW)
    exports.create(job)
    assert exports.get(tenant_id, job.export_id) == job
    exports.progress(tenant_id, job.export_id, ExportState("running", 1, 3, 10, "lists"), LATER)
    running = exports.get(tenant_id, job.export_id)
    assert (
        running.status,
        running.kinds_done,
        running.kinds_total,
        running.records,
        running.current,
        running.completed_at,
    ) == ("running", 1, 3, 10, "lists", None)
    done = ExportState("completed", 3, 3, 12, archive_key="tenant/a/export.zip")
    exports.progress(tenant_id, job.export_id, done, LATER)
    final = exports.get(tenant_id, job.export_id)
    assert (final.status, final.current, final.archive_key, final.completed_at, final.error) == (
        "completed",
        None,
        "tenant/a/export.zip",
        LATER,
        None,
    )
    assert exports.get(new_tenant().tenant_id, job.export_id) is None


def test_a_failed_export_keeps_its_error(exports):
    tenant_id = new_tenant().tenant_id
    job = ExportJob(tenant_id, ids.new_sortable_id("exp"), "pending", NOW, NOW)
    exports.create(job)
    state = ExportState(
        "failed", 0, 2, 0, "contacts", error={"code": "source_failed", "message": "m"}
    )
    exports.progress(tenant_id, job.export_id, state, LATER)
    found = exports.get(tenant_id, job.export_id)
    assert (found.status, found.error, found.completed_at) == (
        "failed",
        {"code": "source_failed", "message": "m"},
        LATER,
    )
