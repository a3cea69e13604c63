"""One job of the ``contact-imports`` queue, dispatched by its kind: ``import.parse``,
``import.chunk`` or ``tenant.export``. A body that is none of them is reported as
``malformed`` (the worker drops it: it can never become valid)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.imports.service import export, processing

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.imports.service import ImportPorts


def handle(ports: ImportPorts, job: Mapping[str, Any]) -> str:
    """What the job did: parsed, counted, completed, failed, skipped or malformed."""
    kind, tenant_id, job_id = job.get("kind"), job.get("tenant_id"), job.get("id")
    if not isinstance(tenant_id, str) or not isinstance(job_id, str):
        return "malformed"
    if kind == "import.parse":
        return processing.parse(ports, tenant_id, job_id)
    if kind == "import.chunk":
        chunk = job.get("chunk")
        if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 0:
            return "malformed"
        return processing.import_chunk(ports, tenant_id, job_id, chunk)
    if kind == "tenant.export":
        return export.run(ports, tenant_id, job_id)
    return "malformed"
