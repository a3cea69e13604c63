"""In-memory twins of the domains ``DomainStore`` (tenant-led domains, the platform-wide name
claims, the sharded re-verification schedule of ``chalicelib.domains.store``) and of the
``DnsPublisher`` (``FakeZones``, which also answers DNS for what it holds), and the DNS twins
(``FakeDns``, ``ZoneDns``, also importable from ``tests.fakes.dns``)."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.core.errors import Conflict
from chalicelib.core.pagination import Page
from chalicelib.core.tenancy import TenantContext
from chalicelib.domains.ports import TenantItemIds
from chalicelib.domains.rules.dns_records import RequiredRecord
from chalicelib.domains.rules.domains import Domain, check_shard
from chalicelib.domains.rules.verification import Lookup
from tests.fakes.core import sorted_page
from tests.fakes.dns import FakeDns, ZoneDns

__all__ = ["FakeDns", "FakeDomains", "FakeZones", "ZoneDns"]


class FakeDomains:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[Domain, str]] = {}  # → (domain, next check)
        self.claims: dict[str, tuple[str, str]] = {}  # name → (tenant id, domain id)

    def claim(self, ctx: TenantContext, name: str, domain_id: str) -> None:
        """Reserve ``name``; Conflict (naming no holder) when it is claimed, even by us."""
        if name in self.claims:
            raise Conflict(f"{name} is already registered", {"field": "name"})
        self.claims[name] = (ctx.tenant_id, domain_id)

    def holder(self, name: str) -> tuple[str, str] | None:
        return self.claims.get(name)

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


class FakeZones:
    """``DnsPublisher``: hosted zones by name, record sets by (name, type). Like Route 53, an
    UPSERT replaces a whole record set and a DELETE must name its exact values (otherwise it
    is left alone). ``lookup`` answers from the record sets, as the DNS does (a ``DnsLookup``);
    ``edit`` changes a record by hand, as a tenant would."""

    def __init__(self) -> None:
        self.zones: dict[str, str] = {}  # zone id → domain
        self.sets: dict[tuple[str, str], tuple[str, ...]] = {}
        self.upserts: list[tuple[str, str]] = []  # (name, type) of every record set written

    def ensure_zone(self, domain: str) -> tuple[str, tuple[str, ...]]:
        zone_id = next((z for z, name in self.zones.items() if name == domain), None)
        if zone_id is None:
            zone_id = f"/hostedzone/Z{len(self.zones) + 1:05d}"
            self.zones[zone_id] = domain
        return zone_id, ("ns-1.fake.test", "ns-2.fake.test")

    def upsert(self, zone_id: str, records: Sequence[RequiredRecord]) -> None:
        assert zone_id in self.zones
        for key, values in _grouped(records).items():
            self.sets[key] = values
            self.upserts.append(key)

    def delete(self, zone_id: str, records: Sequence[RequiredRecord]) -> None:
        for key, values in _grouped(records).items():
            if self.sets.get(key) == values:
                del self.sets[key]

    def edit(self, name: str, rtype: str, *values: str) -> None:
        self.sets[(name, rtype)] = values

    def lookup(self, name: str, rtype: str) -> Lookup:
        found = self.sets.get((name.lower().removesuffix("."), rtype.upper()))
        return Lookup("ok", found) if found else Lookup("nxdomain", ())


def _grouped(records: Sequence[RequiredRecord]) -> dict[tuple[str, str], tuple[str, ...]]:
    grouped: dict[tuple[str, str], tuple[str, ...]] = {}
    for record in records:
        key = (record.name, record.type)
        if record.value not in grouped.get(key, ()):
            grouped[key] = (*grouped.get(key, ()), record.value)
    return grouped
