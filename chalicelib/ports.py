"""The Protocols the domain and API need; adapters implement them, fakes twin them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.api_keys import ApiKey
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.pagination import Page
from chalicelib.domain.tenants import Tenant, TenantContext


class Clock(Protocol):
    def now(self) -> datetime: ...

    def now_iso(self) -> str: ...


class TenantRepository(Protocol):
    def create(self, tenant: Tenant) -> None: ...

    def get(self, tenant_id: str) -> Tenant | None: ...

    def save(self, tenant: Tenant) -> None: ...

    def usage(self, ctx: TenantContext, month: str) -> dict[str, int]: ...


class ApiKeyRepository(Protocol):
    def create(self, key: ApiKey) -> None: ...

    def find(self, tenant_id: str, key_id: str) -> ApiKey | None:
        """Authentication lookup: the only read that runs before a context exists."""

    def get(self, ctx: TenantContext, key_id: str) -> ApiKey | None: ...

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page: ...

    def revoke(self, ctx: TenantContext, key_id: str, now: str) -> ApiKey | None: ...


class AuditRepository(Protocol):
    def append(self, record: AuditRecord) -> None: ...

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page: ...


class EventPublisher(Protocol):
    def publish(self, event: dict[str, Any]) -> None: ...


class NotificationQueue(Protocol):
    def enqueue(self, job: dict[str, Any]) -> None: ...


class CounterStore(Protocol):
    def apply_once(self, event: dict[str, Any]) -> bool:
        """Count an event unless its event_id was counted before; True when counted now."""

    def read(self, tenant_id: str, period: str) -> dict[str, int]: ...


class SecretStore(Protocol):
    def get(self, name: str) -> str: ...


class MailRelay(Protocol):
    def send(self, message: Any) -> None: ...
