"""Domains (tenant-led items) and the platform-wide claims that keep a domain name with one
tenant.

The claims table is keyed by the domain name, not the tenant: a name can only belong to
one tenant, and that rule needs one global key. It holds nothing but the owner's ids. It is
the one documented exception to tenant-led partition keys. The re-verification schedule
finds due domains through the sharded ``by_check_due`` index (no scan).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.aws.dynamodb import query_page, table_model
from chalicelib.core.errors import Conflict
from chalicelib.domains.rules.domains import DkimKey, Domain, check_shard

if TYPE_CHECKING:
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext

TenantItemIds = list[tuple[str, str]]  # (tenant id, item id) pairs


class CheckDueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_check_due"
        projection = KeysOnlyProjection()

    check_shard = UnicodeAttribute(hash_key=True)
    next_check_at = UnicodeAttribute(range_key=True)


@table_model("DomainsTable")
class DomainItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute()
    check_shard = UnicodeAttribute(null=True)
    next_check_at = UnicodeAttribute(null=True)
    by_check_due = CheckDueIndex()


@table_model("DomainClaimsTable")
class DomainClaimItem(Model):
    class Meta:
        pass

    domain = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute()
    domain_id = UnicodeAttribute()


def _to_json(domain: Domain) -> str:
    body = asdict(domain)
    body.pop("tenant_id")
    return json.dumps(body, separators=(",", ":"))


def _from_item(item: DomainItem) -> Domain:
    body = json.loads(item.data)
    body["dkim_keys"] = tuple(DkimKey(**k) for k in body["dkim_keys"])
    for name in ("server_ips", "spf_includes", "checks", "name_servers"):
        body[name] = tuple(body.get(name) or ())
    return Domain(tenant_id=item.tenant_id, **body)


class DynamoDomainRepository:
    def claim(self, ctx: TenantContext, name: str, domain_id: str) -> None:
        """Reserve the name for this tenant; 409 (without naming the holder) when taken."""
        claim = DomainClaimItem(name, tenant_id=ctx.tenant_id, domain_id=domain_id)
        try:
            claim.save(condition=DomainClaimItem.domain.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise Conflict(f"{name} is already registered", {"field": "name"}) from exc

    def holder(self, name: str) -> tuple[str, str] | None:
        try:
            claim = DomainClaimItem.get(name, consistent_read=True)
        except DoesNotExist:
            return None
        return str(claim.tenant_id), str(claim.domain_id)

    def release(self, ctx: TenantContext, name: str) -> None:
        try:
            DomainClaimItem(name).delete(condition=DomainClaimItem.tenant_id == ctx.tenant_id)
        except Exception:  # noqa: BLE001 - a claim that is not ours is not ours to free
            return

    def save(self, ctx: TenantContext, domain: Domain, next_check_at: str) -> None:
        assert domain.tenant_id == ctx.tenant_id
        DomainItem(
            ctx.tenant_id,
            domain.domain_id,
            data=_to_json(domain),
            check_shard=check_shard(domain.domain_id),
            next_check_at=next_check_at,
        ).save()

    def get(self, ctx: TenantContext, domain_id: str) -> Domain | None:
        try:
            return _from_item(DomainItem.get(ctx.tenant_id, domain_id, consistent_read=True))
        except DoesNotExist:
            return None

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Domain]:
        return query_page(
            DomainItem, ctx.tenant_id, "sk", limit, token, _from_item, newest_first=False
        )

    def all_names(self, ctx: TenantContext) -> dict[str, str]:
        return {d.name: d.domain_id for d in map(_from_item, DomainItem.query(ctx.tenant_id))}

    def count(self, ctx: TenantContext) -> int:
        return DomainItem.count(ctx.tenant_id)

    def delete(self, ctx: TenantContext, domain_id: str) -> None:
        DomainItem(ctx.tenant_id, domain_id).delete()

    def due(self, now: str, shards: int, limit: int) -> TenantItemIds:
        """(tenant id, domain id) of domains whose re-verification is due."""
        found: list[tuple[str, str]] = []
        for shard in range(shards):
            for item in DomainItem.by_check_due.query(
                str(shard), DomainItem.next_check_at <= now, limit=limit - len(found)
            ):
                found.append((item.tenant_id, item.sk))
            if len(found) >= limit:
                break
        return found
