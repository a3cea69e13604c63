"""The audit log: append-only, newest first, kept 400 days (TTL)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.adapters.dynamodb.keys import audit_sort_key
from chalicelib.adapters.dynamodb.models import AuditItem
from chalicelib.adapters.dynamodb.paging import query_page
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.pagination import Page
from chalicelib.domain.tenants import TenantContext

RETENTION_SECONDS = 400 * 24 * 3600
_FIELDS = ("audit_id", "occurred_at", "action", "actor", "resource_id", "request_id", "source_ip")


def _from_item(item: AuditItem) -> AuditRecord:
    return AuditRecord(tenant_id=item.tenant_id, **{f: getattr(item, f) for f in _FIELDS})


class DynamoAuditRepository:
    def append(self, record: AuditRecord) -> None:
        stamp = datetime.fromisoformat(record.occurred_at.replace("Z", "+00:00")).timestamp()
        AuditItem(
            record.tenant_id,
            audit_sort_key(record.occurred_at, record.audit_id),
            expires_at=int(stamp) + RETENTION_SECONDS,
            **{f: getattr(record, f) for f in _FIELDS},
        ).save()

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page:
        return query_page(
            AuditItem, ctx.tenant_id, "sk", limit, token, _from_item, newest_first=True
        )
