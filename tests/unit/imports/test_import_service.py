"""The import use cases over the in-memory world: create, start, parse, chunks, report;
redelivered jobs count once, a re-run of the same file changes nothing, bad input is named."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest

from chalicelib.core.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnprocessableEntity,
)
from chalicelib.core.tenancy import system_context
from chalicelib.imports.rules import jobs as rules
from chalicelib.imports.service import jobs, processing
from tests.fakes.imports import ImportWorld

CTX = system_context("ten_aaaaaaaaaaaaaaaaaaaa", "business")
OTHER = system_context("ten_bbbbbbbbbbbbbbbbbbbb", "business")


@pytest.fixture
def world() -> ImportWorld:
    w = ImportWorld()
    w.contacts.types[CTX.tenant_id] = {"deal_size": "number"}
    w.contacts.lists.add((CTX.tenant_id, "lst_1"))
    return w


def _inline(world: ImportWorld, text: str, **extra) -> str:
    job = jobs.create_inline(
        world.ports, CTX, text, "c.csv", extra.get("mapping", {}), extra.get("list_id")
    )
    world.drain(twice=extra.get("twice", False))
    return job.import_id


def _csv(n: int, start: int = 0) -> str:
    return "email,first name\n" + "".join(
        f"u{i}@example.com,U{i}\n" for i in range(start, start + n)
    )


def _report(world: ImportWorld, job) -> list[list[str]]:
    data = world.files.get(job.report_key)
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_an_inline_import_runs_to_completion_in_chunks_with_its_counts(world):
    # given 2,500 rows
    import_id = _inline(world, _csv(2500), list_id="lst_1")

    # then
    job = world.jobs.get(CTX.tenant_id, import_id)
    assert (job.status, job.rows_total, job.rows_done, job.created) == (
        "completed",
        2500,
        2500,
        2500,
    )
    assert (job.chunks_total, job.chunks_done, job.rejected_total) == (3, 3, 0)
    assert job.columns == {"email": "email", "first name": "first_name"}
    assert world.contacts.of(CTX.tenant_id)["u7@example.com"].lists == ("lst_1",)
    assert job.report_key is None and jobs.report_url(world.ports, job) is None


def test_every_job_delivered_twice_counts_once(world):
    import_id = _inline(world, _csv(2100), twice=True)
    job = world.jobs.get(CTX.tenant_id, import_id)
    assert (job.status, job.rows_done, job.created, job.unchanged) == ("completed", 2100, 2100, 0)
    assert job.chunks_done == 3


def test_a_chunk_redelivered_after_its_result_was_kept_reuses_it(world):
    # given a chunk that imported and kept its result but crashed before counting
    job = jobs.create_inline(world.ports, CTX, _csv(10), None, {}, None)
    world.drain()
    kept_job = world.jobs.get(CTX.tenant_id, job.import_id)
    world.jobs.items[(CTX.tenant_id, job.import_id)] = dataclasses.replace(
        kept_job, status="running", rows_done=0, created=0, chunks_done=0, report_key=None
    )
    world.jobs.done_chunks.clear()
    calls = world.contacts.upsert_calls

    # when it is delivered again
    processing.import_chunk(world.ports, CTX.tenant_id, job.import_id, 0)

    # then it counts what it did the first time, without writing again
    after = world.jobs.get(CTX.tenant_id, job.import_id)
    assert (after.status, after.created, after.unchanged) == ("completed", 10, 0)
    assert world.contacts.upsert_calls == calls


def test_running_the_same_file_again_changes_nothing(world):
    text = _csv(1500) + "bad-address,X\n"
    first = world.jobs.get(CTX.tenant_id, _inline(world, text))
    stored = dict(world.contacts.of(CTX.tenant_id))
    second = world.jobs.get(CTX.tenant_id, _inline(world, text))
    assert (first.created, second.created, second.updated, second.unchanged) == (1500, 0, 0, 1500)
    assert second.rejected == first.rejected == {"invalid_address": 1}
    assert world.contacts.of(CTX.tenant_id) == stored


def test_changed_rows_are_updated(world):
    _inline(world, _csv(3))
    job = world.jobs.get(
        CTX.tenant_id, _inline(world, "email,first name\nu0@example.com,Changed\n")
    )
    assert (job.created, job.updated, job.unchanged) == (0, 1, 0)


def test_rejections_are_counted_by_reason_and_reported_with_lines_and_neutralised_cells(world):
    # given
    world.contacts.barred.add((CTX.tenant_id, "barred@example.com"))
    text = (
        "email,first name,tz,deal_size,Shoe\n"
        "ok@example.com,Ok,,,\n"
        'bad,"=HYPERLINK(""http://x"")",,,\n'
        "ok@example.com,Again,,,\n"
        "barred@example.com,B,,,\n"
        ",NoMail,,,\n"
        "tz@example.com,T,Mars/Base,,\n"
        "n@example.com,N,,lots,\n"
    )

    # when
    job = world.jobs.get(CTX.tenant_id, _inline(world, text))

    # then
    assert job.status == "completed" and (job.rows_total, job.created) == (7, 1)
    assert job.rejected == {
        "invalid_address": 1,
        "duplicate": 1,
        "suppressed": 1,
        "missing_email": 1,
        "bad_time_zone": 1,
        "bad_field_value": 1,
    }
    assert job.ignored_columns == ("Shoe",)
    report = _report(world, job)
    assert report[0] == [
        "line",
        "reason",
        "detail",
        "email",
        "first name",
        "tz",
        "deal_size",
        "Shoe",
    ]
    assert [(r[0], r[1]) for r in report[1:]] == [
        ("3", "invalid_address"),
        ("4", "duplicate"),
        ("5", "suppressed"),
        ("6", "missing_email"),
        ("7", "bad_time_zone"),
        ("8", "bad_field_value"),
    ]
    assert report[1][4] == '\'=HYPERLINK("http://x")'
    assert jobs.report_url(world.ports, job).startswith("https://bucket.test/" + job.report_key)


def test_a_draft_the_contacts_feature_refuses_is_rejected_alone(world):
    world.contacts.refuse.add("u1@example.com")
    job = world.jobs.get(CTX.tenant_id, _inline(world, _csv(3)))
    assert (job.status, job.created, job.rejected) == ("completed", 2, {"bad_field_value": 1})


def test_a_file_without_an_email_column_rejects_every_row_as_missing_the_column(world):
    job, _ = jobs.create_upload(world.ports, CTX, None, {}, None)
    world.files.put(rules.source_key(CTX.tenant_id, job.import_id), b"name\nAnn\nBob\n", "text/csv")
    jobs.start(world.ports, CTX, job.import_id)
    world.drain()
    done = world.jobs.get(CTX.tenant_id, job.import_id)
    assert (done.status, done.rejected) == ("completed", {"missing_column": 2})
    assert any("email" in n for n in done.notes)


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"", "empty"), (b"a@b.co,Ann\n", "missing_header"), (b"email\n" + b"x@y.co\n" * 3, None)],
)
def test_an_uploaded_file_that_cannot_be_read_fails_the_job_and_says_why(world, data, code):
    job, upload = jobs.create_upload(world.ports, CTX, "f.csv", {}, None)
    assert upload["method"] == "PUT" and upload["expires_in"] == 900
    world.files.put(rules.source_key(CTX.tenant_id, job.import_id), data, "text/csv")
    jobs.start(world.ports, CTX, job.import_id)
    world.drain()
    done = world.jobs.get(CTX.tenant_id, job.import_id)
    if code is None:
        assert (done.status, done.error, done.created) == ("completed", None, 1)
    else:
        assert (done.status, done.error["code"], done.chunks_total) == ("failed", code, 0)


def test_a_cp1252_upload_is_imported_with_a_note(world):
    job, _ = jobs.create_upload(world.ports, CTX, None, {}, None)
    data = "email,company\nana@example.com,Café\n".encode("cp1252")
    world.files.put(rules.source_key(CTX.tenant_id, job.import_id), data, "text/csv")
    jobs.start(world.ports, CTX, job.import_id)
    world.drain()
    done = world.jobs.get(CTX.tenant_id, job.import_id)
    assert done.created == 1 and any("cp1252" in n for n in done.notes)
    assert world.contacts.of(CTX.tenant_id)["ana@example.com"].company == "Café"


def test_starting_needs_the_file_and_a_pending_job(world):
    job, _ = jobs.create_upload(world.ports, CTX, None, {}, None)
    with pytest.raises(Conflict):
        jobs.start(world.ports, CTX, job.import_id)
    world.files.put(rules.source_key(CTX.tenant_id, job.import_id), b"email\na@b.co\n", "text/csv")
    assert jobs.start(world.ports, CTX, job.import_id).status == "running"
    with pytest.raises(Conflict):
        jobs.start(world.ports, CTX, job.import_id)


def test_a_start_the_queue_refuses_leaves_the_job_pending(world):
    job, _ = jobs.create_upload(world.ports, CTX, None, {}, None)
    world.files.put(rules.source_key(CTX.tenant_id, job.import_id), b"email\na@b.co\n", "text/csv")
    world.queue.fail = True
    with pytest.raises(ServiceUnavailable):
        jobs.start(world.ports, CTX, job.import_id)
    assert world.jobs.get(CTX.tenant_id, job.import_id).status == "pending"


def test_an_upload_over_the_limit_is_not_started(world):
    job, _ = jobs.create_upload(world.ports, CTX, None, {}, None)
    key = rules.source_key(CTX.tenant_id, job.import_id)
    world.files.put(key, b"x" * (rules.UPLOAD_LIMIT + 1), "text/csv")
    with pytest.raises(PayloadTooLarge):
        jobs.start(world.ports, CTX, job.import_id)
    assert world.queue.jobs == []


def test_inline_over_5_mb_is_413_and_creates_nothing(world):
    with pytest.raises(PayloadTooLarge) as raised:
        jobs.create_inline(world.ports, CTX, "x" * (5 * 1024 * 1024 + 1), None, {}, None)
    assert raised.value.details["field"] == "csv"
    assert world.jobs.items == {} and world.files.objects == {}


@pytest.mark.parametrize(
    ("text", "mapping", "list_id", "field"),
    [
        ("name\nAnn\n", {}, None, "mapping"),
        ("", {}, None, "csv"),
        ("a@b.co,x\n", {}, None, "csv"),
        ("email\na@b.co\n", {"email": "shoe_size"}, None, "mapping.email"),
        ("email\na@b.co\n", {}, "lst_missing", "list_id"),
    ],
)
def test_bad_inline_input_is_422_naming_the_field_and_creates_nothing(
    world, text, mapping, list_id, field
):
    with pytest.raises(UnprocessableEntity) as raised:
        jobs.create_inline(world.ports, CTX, text, None, mapping, list_id)
    assert raised.value.details["field"] == field
    assert world.jobs.items == {} and world.files.objects == {} and world.queue.jobs == []


def test_another_tenants_list_or_import_is_not_found(world):
    with pytest.raises(UnprocessableEntity):
        jobs.create_upload(world.ports, OTHER, None, {}, "lst_1")
    job, _ = jobs.create_upload(world.ports, CTX, None, {}, None)
    for bad in (job.import_id, "imp_nope", "../x"):
        with pytest.raises(NotFound):
            jobs.find(world.ports, OTHER if bad == job.import_id else CTX, bad)


def test_imports_list_newest_first(world):
    made = [jobs.create_upload(world.ports, CTX, f"{n}.csv", {}, None)[0] for n in range(3)]
    page = jobs.page(world.ports, CTX, 2, None)
    assert [j.import_id for j in page.items] == sorted((j.import_id for j in made), reverse=True)[
        :2
    ]
    assert page.next_token and jobs.page(world.ports, OTHER, 10, None).items == []


def test_malformed_queue_jobs_are_reported_not_raised(world):
    from chalicelib.imports.service.worker import handle

    for job in (
        {},
        {"kind": "import.chunk", "tenant_id": "t", "id": "i", "chunk": "0"},
        {"kind": "x", "tenant_id": "t", "id": "i"},
    ):
        assert handle(world.ports, job) == "malformed"
    assert (
        handle(world.ports, {"kind": "import.parse", "tenant_id": "t", "id": "imp_x"}) == "skipped"
    )
