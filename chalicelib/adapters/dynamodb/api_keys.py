"""API key records, found by (tenant id, key id) with one consistent GetItem."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.dynamodb.models import ApiKeyItem
from chalicelib.adapters.dynamodb.paging import query_page
from chalicelib.domain.api_keys import ApiKey
from chalicelib.domain.pagination import Page
from chalicelib.domain.tenants import TenantContext

_FIELDS = ("name", "scope", "key_hash", "prefix", "created_at", "revoked_at")


def _from_item(item: ApiKeyItem) -> ApiKey:
    return ApiKey(
        tenant_id=item.tenant_id, key_id=item.key_id, **{f: getattr(item, f) for f in _FIELDS}
    )


class DynamoApiKeyRepository:
    def create(self, key: ApiKey) -> None:
        item = ApiKeyItem(key.tenant_id, key.key_id, **{f: getattr(key, f) for f in _FIELDS})
        item.save(condition=ApiKeyItem.key_id.does_not_exist())

    def find(self, tenant_id: str, key_id: str) -> ApiKey | None:
        try:
            return _from_item(ApiKeyItem.get(tenant_id, key_id, consistent_read=True))
        except DoesNotExist:
            return None

    def get(self, ctx: TenantContext, key_id: str) -> ApiKey | None:
        return self.find(ctx.tenant_id, key_id)

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page:
        return query_page(
            ApiKeyItem, ctx.tenant_id, "key_id", limit, token, _from_item, newest_first=False
        )

    def revoke(self, ctx: TenantContext, key_id: str, now: str) -> ApiKey | None:
        try:
            item = ApiKeyItem.get(ctx.tenant_id, key_id, consistent_read=True)
        except DoesNotExist:
            return None
        if item.revoked_at is None:
            item.update(
                actions=[ApiKeyItem.revoked_at.set(now)],
                condition=ApiKeyItem.revoked_at.does_not_exist(),
            )
        return _from_item(item)
