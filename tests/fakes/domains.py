"""In-memory twin of the domains ``DomainStore`` (tenant-led domains, the platform-wide name
claims, the sharded re-verification schedule of ``chalicelib.domains.store``), and the DNS
twins (``FakeDns``, ``ZoneDns``, also importable from ``tests.fakes.dns``)."""

from __future__ import annotations

from chalicelib.core.errors import Conflict
from chalicelib.core.pagination import Page
from chalicelib.core.tenancy import TenantContext
from chalicelib.domains.ports import TenantItemIds
from chalicelib.domains.rules.domains import Domain, check_shard
from tests.fakes.core import sorted_page
from tests.fakes.dns import FakeDns, ZoneDns

__all__ = ["FakeDns", "FakeDomains", "ZoneDns"]


class FakeDomains:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[Domain, str]] = {}  # → (domain, next check)
        self.claims: dict[str, tuple[str, str]] = {}  # name → (tenant id, domain id)

    def claim(self, ctx: TenantContext, name: str, domain_id: str) -> None:
        """Reserve ``name``; Conflict (naming no holder) when it is claimed, even by us."""
        if name in self.claims:
            raise Conflict(f"{name} is already registered", {"field": "name"})
        self.claims[name] = (ctx.tenant_id, domain_id)

    def release(self, ctx: TenantContext, name: str) -> None:
        """Free our claim on ``name``; another tenant's claim (or none) is left as it is."""
        holder = self.claims.get(name)
        if holder is not None and holder[0] == ctx.tenant_id:
            del self.claims[name]

    def save(self, ctx: TenantContext, domain: Domain, next_check_at: str) -> None:
        assert domain.tenant_id == ctx.tenant_id
        self.items[(ctx.tenant_id, domain.domain_id)] = (domain, next_check_at)

    def get(self, ctx: TenantContext, domain_id: str) -> Domain | None:
        found = self.items.get((ctx.tenant_id, domain_id))
        return found[0] if found else None

    def _mine(self, ctx: TenantContext) -> list[Domain]:
        return [d for (t, _), (d, _) in self.items.items() if t == ctx.tenant_id]

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Domain]:
        return sorted_page(self._mine(ctx), lambda d: d.domain_id, "sk", limit, token)

    def all_names(self, ctx: TenantContext) -> dict[str, str]:
        return {d.name: d.domain_id for d in sorted(self._mine(ctx), key=lambda d: d.domain_id)}

    def count(self, ctx: TenantContext) -> int:
        return len(self._mine(ctx))

    def delete(self, ctx: TenantContext, domain_id: str) -> None:
        """Forget the domain (its name claim is released separately)."""
        self.items.pop((ctx.tenant_id, domain_id), None)

    def due(self, now: str, shards: int, limit: int) -> TenantItemIds:
        """(tenant id, domain id) whose check is due at ``now``: shard by shard (``0`` to
        ``shards - 1``), earliest first within a shard, at most ``limit`` in all."""
        found: TenantItemIds = []
        for shard in range(shards):
            in_shard = sorted(
                (at, tenant_id, domain_id)
                for (tenant_id, domain_id), (_, at) in self.items.items()
                if check_shard(domain_id) == str(shard) and at <= now
            )
            found += [(t, d) for _, t, d in in_shard[: limit - len(found)]]
            if len(found) >= limit:
                break
        return found
