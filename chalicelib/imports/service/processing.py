"""The import worker's steps, each safe to run again (SQS delivers at least once).

``parse``: the file is decoded, read and screened row by row (duplicates are found across
the whole file here), written as chunks of 1,000 rows, the parse recorded once, and one
chunk job queued per chunk. ``import_chunk``: the chunk's suppressed addresses are
rejected, the rest upserted, and what it did kept as the chunk's result file *before* the
job's counters move, in one conditional write guarded by the chunk's done marker: a
redelivered chunk reuses its result and is counted once. The write that counts the last
chunk finishes the job: the rejected rows of every chunk become the report (a CSV with its
cells neutralised), and the job is ``completed``."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from chalicelib.core.errors import AppError
from chalicelib.imports.rules import chunks as files
from chalicelib.imports.rules import csvfile, mapping, report, rows
from chalicelib.imports.rules import jobs as rules
from chalicelib.imports.rules.decoding import decode

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.imports.rules.jobs import ImportJob
    from chalicelib.imports.rules.rows import Draft, Row
    from chalicelib.imports.service import ImportPorts

JSON = "application/json"


def parse(ports: ImportPorts, tenant_id: str, import_id: str) -> str:
    job = ports.jobs.get(tenant_id, import_id)
    if job is None or job.status != "running":
        return "skipped"
    if job.parsed:  # a redelivered parse: queue the chunks again (each counts once)
        return _queue_chunks(ports, job)
    data = ports.files.get(rules.source_key(tenant_id, import_id))
    if data is None:
        return _fail(ports, job, "missing_file", "the file is gone from storage")
    decoded = decode(data)
    try:
        table = csvfile.read(decoded.text)
    except csvfile.CsvProblem as problem:
        return _fail(ports, job, problem.code, problem.message)
    field_types = ports.contacts.field_types(tenant_id)
    columns = mapping.resolve(table.header, job.mapping, field_types)
    lists = (job.list_id,) if job.list_id else ()
    screened = rows.screen(table.records, columns, field_types, lists)
    count = rules.chunks_of(len(screened))
    for n in range(count):
        part = screened[n * rules.CHUNK_ROWS : (n + 1) * rules.CHUNK_ROWS]
        ports.files.put(rules.chunk_key(tenant_id, import_id, n), files.encode_rows(part), JSON)
    notes = [decoded.note] if decoded.note else []
    if not columns.has_email:
        notes.append("no column maps to email: every row is rejected (missing_column)")
    recorded = ports.jobs.parsed(
        job,
        len(screened),
        count,
        ports.clock.now_iso(),
        header=table.header,
        columns=columns.named(table.header),
        ignored_columns=columns.ignored,
        notes=(*notes, *columns.notes),
    )
    return _queue_chunks(ports, recorded) if recorded else "skipped"


def _queue_chunks(ports: ImportPorts, job: ImportJob) -> str:
    if job.all_counted:
        return finish(ports, job)
    ports.queue.enqueue(
        [
            {"kind": "import.chunk", "tenant_id": job.tenant_id, "id": job.import_id, "chunk": n}
            for n in range(job.chunks_total)
        ]
    )
    return "parsed"


def _fail(ports: ImportPorts, job: ImportJob, code: str, message: str) -> str:
    error = {"code": code, "message": message}
    ports.jobs.finish(job.tenant_id, job.import_id, ports.clock.now_iso(), None, error)
    return "failed"


def import_chunk(ports: ImportPorts, tenant_id: str, import_id: str, chunk: int) -> str:
    job = ports.jobs.get(tenant_id, import_id)
    if job is None or job.status != "running" or not job.parsed or chunk >= job.chunks_total:
        return "skipped"
    kept = ports.files.get(rules.result_key(tenant_id, import_id, chunk))
    tally = files.decode_result(kept)[0] if kept else _import(ports, tenant_id, import_id, chunk)
    after = ports.jobs.count_chunk(tenant_id, import_id, chunk, tally, ports.clock.now_iso())
    if after is None:  # counted before: finish if the last count did not get to it
        after = ports.jobs.get(tenant_id, import_id)
    if after is not None and after.status == "running" and after.all_counted:
        return finish(ports, after)
    return "counted"


def _import(ports: ImportPorts, tenant_id: str, import_id: str, chunk: int) -> rules.Tally:
    data = ports.files.get(rules.chunk_key(tenant_id, import_id, chunk))
    part = files.decode_rows(data or b"[]")
    ready = [r for r in part if r.draft is not None]
    emails = [r.draft.email for r in ready if r.draft is not None]
    barred = ports.contacts.suppressed(tenant_id, emails) if emails else set()
    rejected = [r for r in part if r.reason]
    rejected += [_as(r, "suppressed", _email(r)) for r in ready if _email(r) in barred]
    outcomes, refused = _upsert(ports, tenant_id, [r for r in ready if _email(r) not in barred])
    rejected = sorted(rejected + refused, key=lambda r: r.line)
    done = Counter(outcomes)
    tally = rules.Tally(
        rows=len(part),
        created=done["created"],
        updated=done["updated"],
        unchanged=done["unchanged"],
        rejected=dict(Counter(r.reason or "" for r in rejected)),
    )
    key = rules.result_key(tenant_id, import_id, chunk)
    ports.files.put(key, files.encode_result(tally, rejected), JSON)
    return tally


def _email(row: Row) -> str:
    return row.draft.email if row.draft else ""


def _as(row: Row, reason: str, detail: str) -> Row:
    return rows.Row(row.line, row.cells, None, reason, detail)


def _upsert(ports: ImportPorts, tenant_id: str, ready: list[Row]) -> tuple[list[str], list[Row]]:
    """The outcome of each row written, and the rows the contacts feature refused. A refusal
    of the whole batch (one draft it finds invalid) is retried row by row, so only the rows
    it refuses are rejected."""
    drafts: Sequence[Draft] = [r.draft for r in ready if r.draft is not None]
    if not drafts:
        return [], []
    try:
        return [o.outcome for o in ports.contacts.upsert_many(tenant_id, drafts)], []
    except AppError:
        pass
    outcomes: list[str] = []
    refused: list[Row] = []
    for row, draft in zip(ready, drafts, strict=True):
        try:
            outcomes += [o.outcome for o in ports.contacts.upsert_many(tenant_id, [draft])]
        except AppError as error:
            refused.append(_as(row, "bad_field_value", error.message))
    return outcomes, refused


def finish(ports: ImportPorts, job: ImportJob) -> str:
    key = None
    if job.rejected_total:
        key = rules.report_key(job.tenant_id, job.import_id)
        ports.files.put(key, _report(ports, job).encode("utf-8"), "text/csv; charset=utf-8")
    ports.jobs.finish(job.tenant_id, job.import_id, ports.clock.now_iso(), key)
    return "completed"


def _report(ports: ImportPorts, job: ImportJob) -> str:
    lines: list[list[str]] = []
    for n in range(job.chunks_total):
        kept = ports.files.get(rules.result_key(job.tenant_id, job.import_id, n))
        for row in files.decode_result(kept)[1] if kept else []:
            lines.append(report.report_row(row.line, row.reason or "", row.detail, row.cells))
    return report.write_csv(report.report_header(job.header), lines)
