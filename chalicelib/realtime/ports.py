"""What the realtime use cases need: the push channel (API Gateway's Management API, or the
local platform's emulation of it), the connection, subscription and ticket stores, and the
other features' reads (``Directory``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


class Gone(Exception):  # noqa: N818 - API Gateway's name (GoneException)
    """The connection is closed: nothing can be sent to it any more."""


class Pusher(Protocol):
    def post(self, connection_id: str, payload: bytes) -> None:
        """Send one message to a connection; raises ``Gone`` for a closed one."""
        ...

    def close(self, connection_id: str) -> None:
        """Close a connection (DeleteConnection; locally code 4401); a closed one is fine."""
        ...


@dataclass(frozen=True)
class Connection:
    connection_id: str
    connected_at: str
    expires_at: int  # epoch seconds: the TTL
    tenant_id: str | None = None
    key_id: str | None = None
    last_seen: str = ""
    topics: frozenset[str] = field(default_factory=frozenset)

    @property
    def authenticated(self) -> bool:
        return self.tenant_id is not None


class Connections(Protocol):
    def open(self, connection: Connection) -> None: ...

    def get(self, connection_id: str) -> Connection | None: ...

    def authenticate(self, connection_id: str, tenant_id: str, key_id: str, at: str) -> None: ...

    def set_topic(self, connection_id: str, topic: str, on: bool, at: str) -> None: ...

    def delete(self, connection_id: str) -> Connection | None:
        """Forget a connection; what it was (None: it was not there)."""
        ...


class Subscriptions(Protocol):
    def add(self, tenant_id: str, topic: str, connection_id: str, expires_at: int) -> None: ...

    def remove(self, tenant_id: str, topics: Iterable[str], connection_id: str) -> None: ...

    def of_tenant(self, tenant_id: str) -> dict[str, list[str]]:
        """Every live subscription of a tenant, topic → connection ids, in one query."""
        ...


@dataclass(frozen=True)
class Ticket:
    tenant_id: str
    key_id: str
    expires_at: int  # epoch seconds


class Tickets(Protocol):
    def put(self, ticket_hash: str, ticket: Ticket) -> None: ...

    def take(self, tenant_id: str, ticket_hash: str) -> Ticket | None:
        """Remove and return a ticket (once: a second take of the same one is None)."""
        ...


class Directory(Protocol):
    """The other features' answers the realtime feature needs."""

    def key_owner(self, api_key: str) -> tuple[str, str] | None:
        """(tenant id, key id) of a valid API key; None otherwise."""
        ...

    def campaign_exists(self, tenant_id: str, campaign_id: str) -> bool: ...

    def message_exists(self, tenant_id: str, message_id: str) -> bool: ...

    def campaigns_of(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, str]:
        """message id → its campaign id, for the campaign messages among them."""
        ...

    def campaign_counters(self, tenant_id: str, campaign_id: str) -> dict[str, Any] | None:
        """The progress GET /v1/campaigns/{id} reports (None: no such campaign)."""
        ...

    def tenant_counters(self, tenant_id: str) -> dict[str, Any]:
        """The tenant's totals as GET /v1/analytics/overview reports them."""
        ...
