"""Tenants, API keys and the audit log in DynamoDB (PynamoDB models, bound to the shared
client), every partition key the tenant id. Notification claims are in ``claims_store``.

Tenant and key writes store the events of their change with them (``chalicelib.aws.outbox``).
Key formats owned here: api keys ``tenant_id`` + ``key_id``; audit ``tenant_id`` +
``<occurred_at>#<audit_id>`` (newest first, kept 400 days by TTL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.models import Model

from chalicelib.accounts.rules.audit import AuditRecord
from chalicelib.accounts.rules.keys import ApiKey
from chalicelib.accounts.rules.tenants import Tenant
from chalicelib.aws import outbox
from chalicelib.aws.dynamodb import query_page, table_model
from chalicelib.core.clock import parse_iso

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext

AUDIT_RETENTION_SECONDS = 400 * 24 * 3600


@table_model("TenantsTable")
class TenantItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    plan = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    contact_email = UnicodeAttribute(null=True)
    postal_address = UnicodeAttribute(null=True)
    outbox = UnicodeAttribute(null=True)  # the events of the last change (the outbox)


@table_model("ApiKeysTable")
class ApiKeyItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    scope = UnicodeAttribute()
    key_hash = UnicodeAttribute()
    prefix = UnicodeAttribute()
    created_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)
    outbox = UnicodeAttribute(null=True)  # the events of the last change (the outbox)


@table_model("AuditTable")
class AuditItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    audit_id = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    resource_id = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute()
    source_ip = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)


_TENANT_FIELDS = (
    "name",
    "plan",
    "status",
    "created_at",
    "updated_at",
    "contact_email",
    "postal_address",
)


def _tenant_item(tenant: Tenant, events: Iterable[Event]) -> TenantItem:
    carried = list(events)
    return TenantItem(
        tenant.tenant_id,
        outbox=outbox.encode(carried) if carried else None,
        **{f: getattr(tenant, f) for f in _TENANT_FIELDS},
    )


def _tenant_from_item(item: TenantItem) -> Tenant:
    return Tenant(tenant_id=item.tenant_id, **{f: getattr(item, f) for f in _TENANT_FIELDS})


class DynamoTenantRepository:
    """Tenants; a write stores the events of its change with it (``chalicelib.aws.outbox``)."""

    def create(self, tenant: Tenant, events: Iterable[Event] = ()) -> None:
        _tenant_item(tenant, events).save(condition=TenantItem.tenant_id.does_not_exist())

    def get(self, tenant_id: str) -> Tenant | None:
        try:
            return _tenant_from_item(TenantItem.get(tenant_id, consistent_read=True))
        except DoesNotExist:
            return None

    def save(self, tenant: Tenant, events: Iterable[Event] = ()) -> None:
        _tenant_item(tenant, events).save(condition=TenantItem.tenant_id.exists())


_KEY_FIELDS = ("name", "scope", "key_hash", "prefix", "created_at", "revoked_at")


def _key_from_item(item: ApiKeyItem) -> ApiKey:
    return ApiKey(
        tenant_id=item.tenant_id, key_id=item.key_id, **{f: getattr(item, f) for f in _KEY_FIELDS}
    )


class DynamoApiKeyRepository:
    """API keys; a write stores the events of its change with it (``chalicelib.aws.outbox``)."""

    def create(self, key: ApiKey, events: Iterable[Event] = ()) -> None:
        carried = list(events)
        item = ApiKeyItem(
            key.tenant_id,
            key.key_id,
            outbox=outbox.encode(carried) if carried else None,
            **{f: getattr(key, f) for f in _KEY_FIELDS},
        )
        item.save(condition=ApiKeyItem.key_id.does_not_exist())

    def find(self, tenant_id: str, key_id: str) -> ApiKey | None:
        try:
            return _key_from_item(ApiKeyItem.get(tenant_id, key_id, consistent_read=True))
        except DoesNotExist:
            return None

    def get(self, ctx: TenantContext, key_id: str) -> ApiKey | None:
        return self.find(ctx.tenant_id, key_id)

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[ApiKey]:
        return query_page(
            ApiKeyItem, ctx.tenant_id, "key_id", limit, token, _key_from_item, newest_first=False
        )

    def revoke(
        self, ctx: TenantContext, key_id: str, now: str, events: Iterable[Event] = ()
    ) -> ApiKey | None:
        """The key, revoked now (with ``events``) or before (the events are not stored)."""
        try:
            item = ApiKeyItem.get(ctx.tenant_id, key_id, consistent_read=True)
        except DoesNotExist:
            return None
        if item.revoked_at is None:
            carried = list(events)
            actions = [ApiKeyItem.revoked_at.set(now)]
            if carried:
                actions.append(ApiKeyItem.outbox.set(outbox.encode(carried)))
            try:
                item.update(actions=actions, condition=ApiKeyItem.revoked_at.does_not_exist())
            except UpdateError as exc:
                if not _condition_failed(exc):
                    raise
                item.refresh(consistent_read=True)  # revoked meanwhile by another request
        return _key_from_item(item)


def _condition_failed(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


_AUDIT_FIELDS = (
    "audit_id",
    "occurred_at",
    "action",
    "actor",
    "resource_id",
    "request_id",
    "source_ip",
)


def _audit_from_item(item: AuditItem) -> AuditRecord:
    return AuditRecord(tenant_id=item.tenant_id, **{f: getattr(item, f) for f in _AUDIT_FIELDS})


class DynamoAuditRepository:
    def append(self, record: AuditRecord) -> None:
        stamp = parse_iso(record.occurred_at).timestamp()
        AuditItem(
            record.tenant_id,
            f"{record.occurred_at}#{record.audit_id}",
            expires_at=int(stamp) + AUDIT_RETENTION_SECONDS,
            **{f: getattr(record, f) for f in _AUDIT_FIELDS},
        ).save()

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[AuditRecord]:
        return query_page(
            AuditItem, ctx.tenant_id, "sk", limit, token, _audit_from_item, newest_first=True
        )
