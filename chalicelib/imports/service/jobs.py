"""Creating, starting and showing import jobs.

Two ways in: ``create_upload`` makes a ``pending`` job and a presigned PUT URL for its file
(then ``start``); ``create_inline`` stores the CSV sent in the request (at most 5 MB) and
starts at once, after checking its header, so a file that cannot be imported is a 422 and
nothing is created. Starting is one conditional write (``pending`` -> ``running``) and the
parse job on the queue; if the queue refuses, the job is ``pending`` again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core import ids
from chalicelib.core.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnprocessableEntity,
)
from chalicelib.imports.rules import csvfile, mapping
from chalicelib.imports.rules import jobs as rules
from chalicelib.imports.rules.decoding import decode

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.imports.rules.jobs import ImportJob
    from chalicelib.imports.service import ImportPorts

Mapped = dict[str, str | None]


def find(ports: ImportPorts, ctx: TenantContext, import_id: str) -> ImportJob:
    found = (
        ports.jobs.get(ctx.tenant_id, import_id) if ids.is_well_formed(import_id, "imp") else None
    )
    if found is None:
        raise NotFound(f"import {import_id} not found", {"id": import_id})
    return found


def page(ports: ImportPorts, ctx: TenantContext, limit: int, token: str | None) -> Page[ImportJob]:
    return ports.jobs.list(ctx.tenant_id, limit, token)


def report_url(ports: ImportPorts, job: ImportJob) -> str | None:
    if not job.report_key:
        return None
    name = f"{job.import_id}-rejected.csv"
    return ports.files.download_url(job.report_key, name, rules.URL_SECONDS)


def _checked(
    ports: ImportPorts, tenant_id: str, explicit: Mapped, list_id: str | None
) -> dict[str, str]:
    """The tenant's field types, once the mapping and the list are known to be valid."""
    if list_id is not None and not ports.contacts.list_exists(tenant_id, list_id):
        raise UnprocessableEntity(f"list {list_id} not found", {"field": "list_id"})
    field_types = ports.contacts.field_types(tenant_id)
    problems = mapping.mapping_problems(explicit, field_types)
    if problems:
        first = next(iter(problems))
        raise UnprocessableEntity(problems[first], {"field": first, "fields": problems})
    return field_types


def _new(
    ports: ImportPorts, tenant_id: str, filename: str | None, explicit: Mapped, list_id: str | None
) -> ImportJob:
    now = ports.clock.now_iso()
    return rules.ImportJob(
        tenant_id=tenant_id,
        import_id=ids.new_sortable_id("imp"),
        status="pending",
        created_at=now,
        updated_at=now,
        filename=filename,
        list_id=list_id,
        mapping=dict(explicit),
    )


def create_upload(
    ports: ImportPorts,
    ctx: TenantContext,
    filename: str | None,
    explicit: Mapped,
    list_id: str | None,
) -> tuple[ImportJob, dict[str, Any]]:
    """A pending job and where to PUT its file (within 15 minutes)."""
    _checked(ports, ctx.tenant_id, explicit, list_id)
    job = _new(ports, ctx.tenant_id, filename, explicit, list_id)
    ports.jobs.create(job)
    key = rules.source_key(ctx.tenant_id, job.import_id)
    url = ports.files.upload_url(key, "text/csv", rules.URL_SECONDS)
    upload = {
        "url": url,
        "method": "PUT",
        "headers": {"Content-Type": "text/csv"},
        "expires_in": rules.URL_SECONDS,
        "max_bytes": rules.UPLOAD_LIMIT,
    }
    return job, upload


def create_inline(
    ports: ImportPorts,
    ctx: TenantContext,
    text: str,
    filename: str | None,
    explicit: Mapped,
    list_id: str | None,
) -> ImportJob:
    data = text.encode("utf-8")
    if len(data) > rules.INLINE_LIMIT:
        limit = rules.INLINE_LIMIT
        raise PayloadTooLarge(
            f"csv is over {limit} bytes: upload it instead", {"field": "csv", "limit_bytes": limit}
        )
    field_types = _checked(ports, ctx.tenant_id, explicit, list_id)
    _check_header(text, explicit, field_types)
    job = _new(ports, ctx.tenant_id, filename, explicit, list_id)
    ports.files.put(rules.source_key(ctx.tenant_id, job.import_id), data, "text/csv")
    ports.jobs.create(job)
    return start(ports, ctx, job.import_id)


def _check_header(text: str, explicit: Mapping[str, str | None], types: dict[str, str]) -> None:
    try:
        header = csvfile.header_of(decode(text.encode("utf-8")).text)
    except csvfile.CsvProblem as problem:
        raise UnprocessableEntity(problem.message, {"field": "csv", "code": problem.code}) from None
    if not mapping.resolve(header, explicit, types).has_email:
        raise UnprocessableEntity(
            "no column of the csv maps to email: name it email, or map it",
            {"field": "mapping", "code": "missing_column", "columns": list(header)},
        )


def start(ports: ImportPorts, ctx: TenantContext, import_id: str) -> ImportJob:
    job = find(ports, ctx, import_id)
    if job.status != "pending":
        raise Conflict(f"import {import_id} is {job.status}", {"status": job.status})
    size = ports.files.size(rules.source_key(ctx.tenant_id, import_id))
    if size is None:
        raise Conflict("the file is not uploaded yet: PUT it to the upload URL", {"field": "file"})
    if size > rules.UPLOAD_LIMIT:
        raise PayloadTooLarge(
            f"the file is over {rules.UPLOAD_LIMIT} bytes",
            {"field": "file", "limit_bytes": rules.UPLOAD_LIMIT},
        )
    now = ports.clock.now_iso()
    if not ports.jobs.start(ctx.tenant_id, import_id, now):
        raise Conflict(f"import {import_id} was started already", {"status": "running"})
    _queue(ports, ctx.tenant_id, import_id, now)
    return find(ports, ctx, import_id)


def _queue(ports: ImportPorts, tenant_id: str, import_id: str, now: str) -> None:
    try:
        ports.queue.enqueue([{"kind": "import.parse", "tenant_id": tenant_id, "id": import_id}])
    except Exception as exc:  # noqa: BLE001 - any queue failure: the job is pending again
        ports.jobs.unstart(tenant_id, import_id, now)
        raise ServiceUnavailable("the import could not be queued; start it again") from exc
