"""In-memory twins of the accounts ports: tenants, API keys, the audit log, notification
claims, the notification queue, the mail relay and the API rate counters. They keep the real
stores' key formats (``chalicelib.accounts.store``), so their pages and tokens are the same.
Like the real stores, a write keeps the events of its change: they land in ``outbox`` (a
``FakeEvents``, shared between twins when given) only when the write happens."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from email.message import EmailMessage
from typing import Any

from chalicelib.accounts.rules.audit import AuditRecord
from chalicelib.accounts.rules.keys import ApiKey
from chalicelib.accounts.rules.limits import WindowCounts
from chalicelib.accounts.rules.tenants import Tenant
from chalicelib.core.clock import Clock
from chalicelib.core.pagination import Page
from chalicelib.core.tenancy import TenantContext
from tests.fakes.core import ConditionFailed, FakeEvents, sorted_page


class FakeTenants:
    """``TenantStore``: ``create`` refuses an existing id and ``save`` a missing one (the real
    store's conditional writes), with ``ConditionFailed``."""

    def __init__(self, outbox: FakeEvents | None = None) -> None:
        self.items: dict[str, Tenant] = {}
        self.outbox = outbox if outbox is not None else FakeEvents()

    def create(self, tenant: Tenant, events: Iterable[dict[str, Any]] = ()) -> None:
        if tenant.tenant_id in self.items:
            raise ConditionFailed(f"tenant {tenant.tenant_id} exists")
        self.items[tenant.tenant_id] = tenant
        self.outbox.publish_many(list(events))

    def get(self, tenant_id: str) -> Tenant | None:
        return self.items.get(tenant_id)

    def save(self, tenant: Tenant, events: Iterable[dict[str, Any]] = ()) -> None:
        if tenant.tenant_id not in self.items:
            raise ConditionFailed(f"no tenant {tenant.tenant_id}")
        self.items[tenant.tenant_id] = tenant
        self.outbox.publish_many(list(events))


class FakeApiKeys:
    """``ApiKeyStore``: keys by (tenant id, key id), listed in key id order."""

    def __init__(self, outbox: FakeEvents | None = None) -> None:
        self.items: dict[tuple[str, str], ApiKey] = {}
        self.outbox = outbox if outbox is not None else FakeEvents()

    def create(self, key: ApiKey, events: Iterable[dict[str, Any]] = ()) -> None:
        if (key.tenant_id, key.key_id) in self.items:
            raise ConditionFailed(f"key {key.key_id} exists")
        self.items[(key.tenant_id, key.key_id)] = key
        self.outbox.publish_many(list(events))

    def find(self, tenant_id: str, key_id: str) -> ApiKey | None:
        return self.items.get((tenant_id, key_id))

    def get(self, ctx: TenantContext, key_id: str) -> ApiKey | None:
        return self.find(ctx.tenant_id, key_id)

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[ApiKey]:
        mine = [k for (t, _), k in self.items.items() if t == ctx.tenant_id]
        return sorted_page(mine, lambda k: k.key_id, "key_id", limit, token)

    def revoke(
        self, ctx: TenantContext, key_id: str, now: str, events: Iterable[dict[str, Any]] = ()
    ) -> ApiKey | None:
        """The key revoked (at ``now`` with ``events``, or when it first was); None when it
        is not found."""
        key = self.get(ctx, key_id)
        if key is None:
            return None
        if key.revoked_at is None:
            key = replace(key, revoked_at=now)
            self.items[(ctx.tenant_id, key_id)] = key
            self.outbox.publish_many(list(events))
        return key


def _audit_sk(record: AuditRecord) -> str:
    return f"{record.occurred_at}#{record.audit_id}"


class FakeAudit:
    """``AuditStore``: records keyed ``<occurred_at>#<audit_id>`` per tenant, newest first."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], AuditRecord] = {}

    @property
    def records(self) -> list[AuditRecord]:
        """Every record, in the order they were appended."""
        return list(self.items.values())

    def append(self, record: AuditRecord) -> None:
        self.items[(record.tenant_id, _audit_sk(record))] = record

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[AuditRecord]:
        mine = [r for (t, _), r in self.items.items() if t == ctx.tenant_id]
        return sorted_page(mine, _audit_sk, "sk", limit, token, newest_first=True)


class FakeClaims:
    """``NotificationClaims``: a claim is taken when free, done, or in progress for longer
    than the lease (its worker died); the time comes from ``clock`` or the system."""

    def __init__(
        self, lease_seconds: int = 120, clock: Clock | None = None, outbox: FakeEvents | None = None
    ) -> None:
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.state: dict[tuple[str, str], tuple[str, int]] = {}
        self.outbox = outbox if outbox is not None else FakeEvents()

    def _now(self) -> int:
        return int(self.clock.now().timestamp()) if self.clock else int(time.time())

    def claim(self, tenant_id: str, scope: str, item_id: str) -> bool:
        now = self._now()
        key = (tenant_id, f"{scope}#{item_id}")
        found = self.state.get(key)
        if found is not None:
            status, updated_at = found
            # the real condition compares the epoch seconds as strings, so does the twin
            if not (status == "in_progress" and str(updated_at) < str(now - self.lease_seconds)):
                return False
        self.state[key] = ("in_progress", now)
        return True

    def complete(
        self, tenant_id: str, scope: str, item_id: str, events: Iterable[dict[str, Any]] = ()
    ) -> None:
        self.state[(tenant_id, f"{scope}#{item_id}")] = ("done", self._now())
        self.outbox.publish_many(list(events))

    def release(self, tenant_id: str, scope: str, item_id: str) -> None:
        self.state.pop((tenant_id, f"{scope}#{item_id}"), None)


class FakeQueue:
    """``JobQueue``: keeps the jobs in order."""

    def __init__(self) -> None:
        self.jobs: list[dict[str, Any]] = []

    def enqueue(self, job: dict[str, Any]) -> None:
        self.jobs.append(job)


class FakeRelay:
    """``MailRelay``: keeps what was sent; ``fail`` makes it refuse like a broken server."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[EmailMessage] = []
        self.fail = fail

    def send(self, message: EmailMessage) -> None:
        if self.fail:
            raise ConnectionError("relay unavailable")
        self.sent.append(message)


class FakeRateCounter:
    """``RateCounter``: the real store's items (one per tenant and minute, a count per second
    for the tenant and per key), so the previous second of a minute's first second reads 0
    there too. ``writes`` counts the hits."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, int], dict[str, int]] = {}
        self.writes = 0

    def hit(self, tenant_id: str, key_id: str, second: int) -> WindowCounts:
        self.writes += 1
        item = self.items.setdefault((tenant_id, second // 60), {})
        index = second % 60
        for name in (f"t{index}", f"{key_id}#{index}"):
            item[name] = item.get(name, 0) + 1

        def before(name: str) -> int:
            return item.get(f"{name}{index - 1}", 0) if index else 0

        return WindowCounts(
            tenant=(before("t"), item[f"t{index}"]),
            key=(before(f"{key_id}#"), item[f"{key_id}#{index}"]),
        )
