"""What the mailboxes use cases need from storage, the domains feature, the secret store,
the live probe and the counters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.mailboxes.rules import Mailbox, ServerSettings

TenantItemIds = list[tuple[str, str]]  # (tenant id, item id) pairs


class MailboxStore(Protocol):
    def create(self, ctx: TenantContext, mailbox: Mailbox) -> None:
        """Store a new mailbox; Conflict when the tenant has one for the address."""
        ...

    def save(self, ctx: TenantContext, mailbox: Mailbox) -> None: ...

    def get(self, ctx: TenantContext, mailbox_id: str) -> Mailbox | None: ...

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Mailbox]: ...

    def count(self, ctx: TenantContext) -> int: ...

    def find_by_email(self, ctx: TenantContext, email: str) -> str | None:
        """The id of the tenant's mailbox for ``email``, if any."""
        ...

    def delete(self, ctx: TenantContext, mailbox: Mailbox) -> None: ...

    def to_poll(self, shard: str) -> TenantItemIds:
        """(tenant id, mailbox id) of every mailbox in one poll shard."""
        ...


class DomainNames(Protocol):
    """The domains feature's store, as far as mailboxes need it."""

    def all_names(self, ctx: TenantContext) -> dict[str, str]: ...


class SecretStore(Protocol):
    def put(self, name: str, value: str) -> None: ...

    def read(self, name: str) -> str: ...

    def delete(self, name: str) -> None: ...


class Prober(Protocol):
    def smtp(self, server: ServerSettings, password: str) -> list[dict[str, Any]]: ...

    def imap(self, server: ServerSettings, password: str) -> list[dict[str, Any]]: ...


class UsageCounters(Protocol):
    def read(self, tenant_id: str, period: str) -> dict[str, int]: ...
