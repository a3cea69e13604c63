"""In-memory twins of the repositories, publisher, queue and clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.accounts.rules.audit import AuditRecord
from chalicelib.accounts.rules.keys import ApiKey
from chalicelib.accounts.rules.tenants import Tenant
from chalicelib.core.clock import iso
from chalicelib.core.pagination import Page, decode_token, encode_token
from chalicelib.core.tenancy import TenantContext


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def now_iso(self) -> str:
        return iso(self.moment)

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def _page(items: list[Any], key: Any, limit: int, token: str | None) -> Page:
    position = decode_token(token, {"after"})
    if position:
        items = [i for i in items if key(i) > position["after"]]
    more = len(items) > limit
    items = items[:limit]
    return Page(items, encode_token({"after": key(items[-1])}) if more else None)


class FakeTenants:
    def __init__(self) -> None:
        self.items: dict[str, Tenant] = {}

    def create(self, tenant: Tenant) -> None:
        assert tenant.tenant_id not in self.items
        self.items[tenant.tenant_id] = tenant

    def get(self, tenant_id: str) -> Tenant | None:
        return self.items.get(tenant_id)

    def save(self, tenant: Tenant) -> None:
        assert tenant.tenant_id in self.items
        self.items[tenant.tenant_id] = tenant


class FakeApiKeys:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], ApiKey] = {}

    def create(self, key: ApiKey) -> None:
        self.items[(key.tenant_id, key.key_id)] = key

    def find(self, tenant_id: str, key_id: str) -> ApiKey | None:
        return self.items.get((tenant_id, key_id))

    def get(self, ctx: TenantContext, key_id: str) -> ApiKey | None:
        return self.find(ctx.tenant_id, key_id)

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page:
        mine = sorted(
            (k for (t, _), k in self.items.items() if t == ctx.tenant_id), key=lambda k: k.key_id
        )
        return _page(mine, lambda k: k.key_id, limit, token)

    def revoke(self, ctx: TenantContext, key_id: str, now: str) -> ApiKey | None:
        key = self.get(ctx, key_id)
        if key is None:
            return None
        if key.revoked_at is None:
            key = replace(key, revoked_at=now)
            self.items[(ctx.tenant_id, key_id)] = key
        return key


class FakeAudit:
    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, record: AuditRecord) -> None:
        self.records.append(record)

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page:
        mine = sorted(
            (r for r in self.records if r.tenant_id == ctx.tenant_id),
            key=lambda r: (r.occurred_at, r.audit_id),
            reverse=True,
        )
        inverted = [(r, f"{9999999999999 - len(mine) + i:013d}") for i, r in enumerate(mine)]
        page = _page([p for p in inverted], lambda p: p[1], limit, token)
        return Page([p[0] for p in page.items], page.next_token)


class FakeEvents:
    def __init__(self, fail: bool = False) -> None:
        self.published: list[dict[str, Any]] = []
        self.fail = fail

    def publish(self, event: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionError("stream unavailable")
        self.published.append(event)

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.publish(event)

    def types(self) -> list[str]:
        return [e["type"] for e in self.published]


class FakeQueue:
    def __init__(self) -> None:
        self.jobs: list[dict[str, Any]] = []

    def enqueue(self, job: dict[str, Any]) -> None:
        self.jobs.append(job)


class FakeCounters:
    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.values: dict[tuple[str, str], dict[str, int]] = {}

    def apply_once(self, event: dict[str, Any]) -> bool:
        from chalicelib.analytics.rules import counter_names

        if event["event_id"] in self.seen:
            return False
        self.seen.add(event["event_id"])
        for period in counter_names(event):
            bucket = self.values.setdefault((event["tenant_id"], period), {})
            name = event["type"].replace(".", "_")
            bucket[name] = bucket.get(name, 0) + 1
        return True

    def apply_many(self, events: list[dict[str, Any]]) -> bool:
        if any(e["event_id"] in self.seen for e in events):
            return False
        for event in events:
            self.apply_once(event)
        return True

    def read(self, tenant_id: str, period: str) -> dict[str, int]:
        return dict(self.values.get((tenant_id, period), {}))


class FakeSecrets:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, name: str) -> str:
        return self.values[name]
