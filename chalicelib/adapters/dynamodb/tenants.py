"""Tenant records."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.dynamodb.models import TenantItem
from chalicelib.domain.tenants import Tenant, TenantContext
from chalicelib.ports import CounterStore

_FIELDS = ("name", "plan", "status", "created_at", "updated_at", "contact_email", "postal_address")


def _to_item(tenant: Tenant) -> TenantItem:
    return TenantItem(tenant.tenant_id, **{f: getattr(tenant, f) for f in _FIELDS})


def _from_item(item: TenantItem) -> Tenant:
    return Tenant(tenant_id=item.tenant_id, **{f: getattr(item, f) for f in _FIELDS})


class DynamoTenantRepository:
    def __init__(self, counters: CounterStore) -> None:
        self._counters = counters

    def create(self, tenant: Tenant) -> None:
        _to_item(tenant).save(condition=TenantItem.tenant_id.does_not_exist())

    def get(self, tenant_id: str) -> Tenant | None:
        try:
            return _from_item(TenantItem.get(tenant_id, consistent_read=True))
        except DoesNotExist:
            return None

    def save(self, tenant: Tenant) -> None:
        _to_item(tenant).save(condition=TenantItem.tenant_id.exists())

    def usage(self, ctx: TenantContext, month: str) -> dict[str, int]:
        return self._counters.read(ctx.tenant_id, f"month#{month}")
