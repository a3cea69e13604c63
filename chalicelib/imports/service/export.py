"""The tenant export: everything the tenant owns that the features offer (contacts, lists,
templates, suppressions, import jobs, and what other features register with
``imports.register_export_source``), as one ZIP of JSON lines per kind (``contacts.jsonl``,
…) plus ``manifest.json`` with each kind's count, in the bucket under the tenant's prefix.

It runs on the import worker (a ``tenant.export`` job); progress is the kinds done and the
records written so far. A kind that cannot be read fails the export (the error names the
kind) rather than leaving a silently partial archive; a finished export is not run again."""

from __future__ import annotations

import dataclasses
import json
import tempfile
import zipfile
from typing import TYPE_CHECKING, Any

from chalicelib.core import ids
from chalicelib.core.errors import NotFound, ServiceUnavailable
from chalicelib.imports.rules import jobs as rules

if TYPE_CHECKING:
    from typing import IO

    from chalicelib.core.tenancy import TenantContext
    from chalicelib.imports.ports import TenantRecords
    from chalicelib.imports.rules.jobs import ExportJob
    from chalicelib.imports.service import ImportPorts


def request(ports: ImportPorts, ctx: TenantContext) -> ExportJob:
    now = ports.clock.now_iso()
    job = rules.ExportJob(ctx.tenant_id, ids.new_sortable_id("exp"), "pending", now, now)
    ports.exports.create(job)
    try:
        ports.queue.enqueue(
            [{"kind": "tenant.export", "tenant_id": ctx.tenant_id, "id": job.export_id}]
        )
    except Exception as exc:  # noqa: BLE001 - any queue failure: nothing will run it
        error = {"code": "not_queued", "message": "the export could not be queued"}
        state = rules.ExportState("failed", error=error)
        ports.exports.progress(ctx.tenant_id, job.export_id, state, now)
        raise ServiceUnavailable("the export could not be queued; ask again") from exc
    return job


def find(ports: ImportPorts, ctx: TenantContext, export_id: str) -> ExportJob:
    found = (
        ports.exports.get(ctx.tenant_id, export_id)
        if ids.is_well_formed(export_id, "exp")
        else None
    )
    if found is None:
        raise NotFound(f"export {export_id} not found", {"id": export_id})
    return found


def download_url(ports: ImportPorts, job: ExportJob) -> str | None:
    if job.status != "completed" or not job.archive_key:
        return None
    name = f"penguinmails-{job.export_id}.zip"
    return ports.files.download_url(job.archive_key, name, rules.URL_SECONDS)


def run(ports: ImportPorts, tenant_id: str, export_id: str) -> str:
    job = ports.exports.get(tenant_id, export_id)
    if job is None or job.status in ("completed", "failed"):
        return "skipped"
    sources = dict(sorted(ports.sources().items()))
    with tempfile.TemporaryFile() as spool:
        counts = _write(ports, job, sources, spool)
        if counts is None:
            return "failed"
        spool.seek(0)
        key = rules.archive_key(tenant_id, export_id)
        ports.files.put_stream(key, spool, "application/zip")
    done = len(sources)
    state = rules.ExportState("completed", done, done, sum(counts.values()), archive_key=key)
    ports.exports.progress(tenant_id, export_id, state, ports.clock.now_iso())
    return "completed"


def _write(
    ports: ImportPorts, job: ExportJob, sources: dict[str, TenantRecords], spool: IO[bytes]
) -> dict[str, int] | None:
    counts: dict[str, int] = {}
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, (kind, source) in enumerate(sources.items()):
            state = rules.ExportState("running", done, len(sources), sum(counts.values()), kind)
            ports.exports.progress(job.tenant_id, job.export_id, state, ports.clock.now_iso())
            try:
                counts[kind] = _entry(archive, kind, source, job.tenant_id)
            except Exception as exc:  # noqa: BLE001 - named on the job, not retried blindly
                error = {"code": "source_failed", "message": f"{kind}: {type(exc).__name__}"}
                failed = dataclasses.replace(state, status="failed", error=error)
                ports.exports.progress(job.tenant_id, job.export_id, failed, ports.clock.now_iso())
                return None
        manifest: dict[str, Any] = {"tenant_id": job.tenant_id, "export_id": job.export_id}
        manifest["kinds"] = counts
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    return counts


def _entry(archive: zipfile.ZipFile, kind: str, source: TenantRecords, tenant_id: str) -> int:
    written = 0
    with archive.open(f"{kind}.jsonl", "w") as entry:
        for record in source(tenant_id):
            line = json.dumps(record, default=str, sort_keys=True, separators=(",", ":"))
            entry.write(line.encode("utf-8") + b"\n")
            written += 1
    return written
