"""Audit records: one per successful mutating call, listed newest first."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from chalicelib.core import ids


@dataclass(frozen=True)
class AuditRecord:
    tenant_id: str
    audit_id: str
    occurred_at: str
    action: str
    actor: str
    resource_id: str | None
    request_id: str
    source_ip: str

    def to_public(self) -> dict[str, Any]:
        body = asdict(self)
        body["id"] = body.pop("audit_id")
        body["key_id"] = body.pop("actor")
        return body


def new_record(
    tenant_id: str,
    action: str,
    actor: str,
    resource_id: str | None,
    request_id: str,
    source_ip: str,
    now: str,
) -> AuditRecord:
    return AuditRecord(
        tenant_id=tenant_id,
        audit_id=ids.new_sortable_id("aud"),
        occurred_at=now,
        action=action,
        actor=actor,
        resource_id=resource_id,
        request_id=request_id,
        source_ip=source_ip,
    )
