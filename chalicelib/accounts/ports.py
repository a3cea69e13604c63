"""What the accounts use cases need from storage and the outside world. Writes that change
state take the events of the change and store them with it (the outbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable
    from email.message import EmailMessage

    from chalicelib.accounts.rules.audit import AuditRecord
    from chalicelib.accounts.rules.keys import ApiKey
    from chalicelib.accounts.rules.limits import WindowCounts
    from chalicelib.accounts.rules.tenants import Tenant
    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext


class TenantStore(Protocol):
    def create(self, tenant: Tenant, events: Iterable[Event] = ()) -> None: ...

    def get(self, tenant_id: str) -> Tenant | None: ...

    def save(self, tenant: Tenant, events: Iterable[Event] = ()) -> None: ...


class ApiKeyStore(Protocol):
    def create(self, key: ApiKey, events: Iterable[Event] = ()) -> None: ...

    def find(self, tenant_id: str, key_id: str) -> ApiKey | None:
        """Authentication lookup: the only read that runs before a context exists."""
        ...

    def get(self, ctx: TenantContext, key_id: str) -> ApiKey | None: ...

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[ApiKey]: ...

    def revoke(
        self, ctx: TenantContext, key_id: str, now: str, events: Iterable[Event] = ()
    ) -> ApiKey | None:
        """The key, revoked now (storing ``events``) or before (storing nothing)."""
        ...


class AuditStore(Protocol):
    def append(self, record: AuditRecord) -> None: ...

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[AuditRecord]: ...


class UsageCounters(Protocol):
    """The analytics feature's counters, read by period."""

    def read(self, tenant_id: str, period: str) -> dict[str, int]: ...


class JobQueue(Protocol):
    def enqueue(self, job: dict[str, Any]) -> None: ...


class NotificationClaims(Protocol):
    """At most one send per notification: claim before, complete after, release on failure."""

    def claim(self, tenant_id: str, scope: str, item_id: str) -> bool: ...

    def complete(
        self, tenant_id: str, scope: str, item_id: str, events: Iterable[Event] = ()
    ) -> None: ...

    def release(self, tenant_id: str, scope: str, item_id: str) -> None: ...


class MailRelay(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class RateCounter(Protocol):
    """The API rate counters every container shares: one write per request."""

    def hit(self, tenant_id: str, key_id: str, second: int) -> WindowCounts:
        """Count one request in epoch second ``second`` for the tenant and the key; the
        counts of that second and the one before come back (the one before is 0 when it
        lies in an earlier minute's counters)."""
        ...


class LocalLimits(Protocol):
    """What one container remembers between requests, never shared: the windows it knows
    are full, and the failed authentications by source address."""

    def blocked_until(self, name: str) -> int: ...

    def block(self, name: str, until: int) -> None: ...

    def failures(self, source_ip: str) -> list[float]: ...

    def charge_failure(self, source_ip: str, now: float) -> None: ...
