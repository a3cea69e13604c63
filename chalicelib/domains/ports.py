"""What the domains use cases need from storage, DNS, Route 53 and the secret store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from chalicelib.domains.rules.verification import DnsLookup

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.domains.rules.dns_records import RequiredRecord
    from chalicelib.domains.rules.domains import Domain

TenantItemIds = list[tuple[str, str]]  # (tenant id, item id) pairs


class DomainStore(Protocol):
    def claim(self, ctx: TenantContext, name: str, domain_id: str) -> None:
        """Reserve ``name`` for this tenant; Conflict when another has it."""
        ...

    def release(self, ctx: TenantContext, name: str) -> None: ...

    def holder(self, name: str) -> tuple[str, str] | None:
        """(tenant id, domain id) of the claim on ``name``, if any tenant has it."""
        ...

    def save(self, ctx: TenantContext, domain: Domain, next_check_at: str) -> None: ...

    def get(self, ctx: TenantContext, domain_id: str) -> Domain | None: ...

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Domain]: ...

    def all_names(self, ctx: TenantContext) -> dict[str, str]:
        """Every domain name of the tenant → its id."""
        ...

    def count(self, ctx: TenantContext) -> int: ...

    def delete(self, ctx: TenantContext, domain_id: str) -> None: ...

    def due(self, now: str, shards: int, limit: int) -> TenantItemIds:
        """(tenant id, domain id) of domains whose re-verification is due."""
        ...


class DnsPublisher(Protocol):
    def ensure_zone(self, domain: str) -> tuple[str, tuple[str, ...]]:
        """The hosted zone id of ``domain`` (created if missing) and its name servers."""
        ...

    def upsert(self, zone_id: str, records: Sequence[RequiredRecord]) -> None: ...

    def delete(self, zone_id: str, records: Sequence[RequiredRecord]) -> None: ...


class SecretStore(Protocol):
    def put(self, name: str, value: str) -> None: ...

    def read(self, name: str) -> str: ...

    def delete(self, name: str) -> None: ...


class TenantNotifier(Protocol):
    def __call__(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None:
        """Queue a notification of ``kind`` to the tenant's contact (best-effort)."""
        ...


class KeyGenerator(Protocol):
    def __call__(self) -> tuple[str, str]:
        """(private key PEM, public key base64) of a new DKIM key."""
        ...


__all__ = [
    "DnsLookup",
    "DnsPublisher",
    "DomainStore",
    "KeyGenerator",
    "SecretStore",
    "TenantNotifier",
]
