"""Imports: create (upload or inline), start, show and list import jobs; request and show a
tenant export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import parse_limit
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.http.views import Call
    from chalicelib.imports import wiring
    from chalicelib.imports.service import export, jobs
else:
    jobs = lazy.module("chalicelib.imports.service.jobs")
    export = lazy.module("chalicelib.imports.service.export")
    wiring = lazy.module("chalicelib.imports.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.imports.schemas."
ONE = "/imports/{import_id}"
# An inline CSV of 5 MB grows when escaped as a JSON string; the 5 MB rule is the service's.
BODY_LIMIT = 12 * 1024 * 1024


@route(
    bp,
    "/imports",
    "POST",
    auth="full",
    tag="imports",
    body=M + "CreateImport",
    reply=M + "CreatedImportReply",
    status=201,
    action="import.create",
    max_body=BODY_LIMIT,
    errors=(400, 401, 403, 409, 413, 422, 503),
    summary="Create an import: upload=true answers a presigned PUT URL; csv imports at once.",
)
def create_import(call: Call) -> Reply:
    b = call.body
    if b.upload == (b.csv is not None):
        raise BadRequest("give either upload: true or csv", {"field": "csv"})
    ports = wiring.ports()
    if b.csv is not None:
        job = jobs.create_inline(ports, call.tenant, b.csv, b.filename, b.mapping, b.list_id)
        return Reply(job.to_public(), 201, resource_id=job.import_id)
    job, upload = jobs.create_upload(ports, call.tenant, b.filename, b.mapping, b.list_id)
    return Reply({**job.to_public(), "upload": upload}, 201, resource_id=job.import_id)


@route(
    bp,
    ONE + "/start",
    "POST",
    auth="full",
    tag="imports",
    reply=M + "ImportReply",
    status=202,
    action="import.start",
    errors=(401, 403, 404, 409, 413, 503),
    summary="Start an uploaded import (its file must be there).",
)
def start_import(call: Call, import_id: str) -> Reply:
    job = jobs.start(wiring.ports(), call.tenant, import_id)
    return Reply(job.to_public(), 202, resource_id=import_id)


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="imports",
    reply=M + "ImportReply",
    errors=(401, 403, 404),
    summary="An import's progress and counts, and its rejected rows' report when any.",
)
def get_import(call: Call, import_id: str) -> Reply:
    ports = wiring.ports()
    job = jobs.find(ports, call.tenant, import_id)
    return Reply(job.to_public(jobs.report_url(ports, job)))


@route(
    bp,
    "/imports",
    "GET",
    auth="full",
    tag="imports",
    reply=M + "ImportPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="Imports, newest first.",
)
def list_imports(call: Call) -> Reply:
    limit = parse_limit(call.query.get("limit"))
    page = jobs.page(wiring.ports(), call.tenant, limit, call.query.get("next_token"))
    return Reply(page.shaped(lambda job: job.to_public()))


@route(
    bp,
    "/tenant/export",
    "POST",
    auth="full",
    tag="imports",
    reply=M + "ExportReply",
    status=202,
    action="tenant.export",
    errors=(401, 403, 503),
    summary="Export everything the tenant owns as a ZIP (asynchronous; follow its progress).",
)
def request_export(call: Call) -> Reply:
    job = export.request(wiring.ports(), call.tenant)
    return Reply(job.to_public(), 202, resource_id=job.export_id)


@route(
    bp,
    "/tenant/exports/{export_id}",
    "GET",
    auth="full",
    tag="imports",
    reply=M + "ExportReply",
    errors=(401, 403, 404),
    summary="An export's progress, and its download URL once completed.",
)
def get_export(call: Call, export_id: str) -> Reply:
    ports = wiring.ports()
    job = export.find(ports, call.tenant, export_id)
    return Reply(job.to_public(export.download_url(ports, job)))
