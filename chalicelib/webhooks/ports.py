"""What the webhooks use cases need: the stores (endpoints, deliveries, replay jobs, the
event log, the rate counters), the secret vault, the queues, the HTTP poster, the resolver,
the archive of old events and the tenant notifier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import builtins
    from collections.abc import Sequence
    from datetime import datetime

    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page
    from chalicelib.webhooks.rules.records import Delivery, Endpoint, ReplayJob
    from chalicelib.webhooks.rules.signing import SigningKeys


class EndpointStore(Protocol):
    def create(self, endpoint: Endpoint) -> None: ...

    def save(self, endpoint: Endpoint) -> None: ...

    def get(self, tenant_id: str, endpoint_id: str) -> Endpoint | None: ...

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Endpoint]: ...

    def all_of(self, tenant_id: str) -> builtins.list[Endpoint]:
        """Every endpoint of the tenant (one Query): the dispatcher filters them."""
        ...

    def delete(self, tenant_id: str, endpoint_id: str) -> None: ...

    def failed(self, tenant_id: str, endpoint_id: str, at: str) -> Endpoint | None:
        """Record a failure: ``failing_since`` set if unset; the endpoint after."""
        ...

    def succeeded(self, tenant_id: str, endpoint_id: str) -> None:
        """Clear ``failing_since`` (a success ends the streak)."""
        ...

    def disable(self, tenant_id: str, endpoint_id: str, reason: str, at: str) -> bool:
        """Disable if enabled; whether this call did."""
        ...


class DeliveryStore(Protocol):
    def create(self, delivery: Delivery) -> Delivery:
        """Store ``delivery`` unless one with its id exists: the stored one either way."""
        ...

    def get(self, tenant_id: str, endpoint_id: str, delivery_id: str) -> Delivery | None: ...

    def save(self, delivery: Delivery) -> None: ...

    def list(
        self, tenant_id: str, endpoint_id: str, limit: int, token: str | None
    ) -> Page[Delivery]:
        """Newest first."""
        ...


class ReplayJobs(Protocol):
    def create(self, job: ReplayJob) -> None: ...

    def get(self, tenant_id: str, endpoint_id: str, job_id: str) -> ReplayJob | None: ...

    def advance(self, job: ReplayJob, cursor: dict[str, str], done: int, at: str) -> bool:
        """Move the job from its cursor to ``cursor``, adding ``done``; False if another run
        already moved it (the page is not counted twice)."""
        ...

    def finish(
        self, job: ReplayJob, status: str, total: int, at: str, error: str | None
    ) -> None: ...

    def started(self, job: ReplayJob, total: int, at: str) -> None: ...


@dataclass(frozen=True)
class Window:
    """Events with ``first <= occurred_at < last`` of ``types`` (empty: every type)."""

    first: str
    last: str
    types: tuple[str, ...] = ()

    def takes(self, event: Event) -> bool:
        at = str(event.get("occurred_at", ""))
        kind = str(event.get("type", ""))
        return self.first <= at < self.last and (not self.types or kind in self.types)


def position(event: Event) -> str:
    """Where a reader resumes after ``event``."""
    return f"{event['occurred_at']}#{event['event_id']}"


class EventLog(Protocol):
    def append(self, events: Sequence[Event]) -> None: ...

    def page(self, tenant_id: str, window: Window, after: str | None, limit: int) -> list[Event]:
        """Events of ``window`` after position ``after`` (``occurred_at#event_id``), in
        order of occurrence."""
        ...

    def count(self, tenant_id: str, window: Window) -> int: ...


class ArchivedEvents(Protocol):
    """Older events, from the analytics tier's event files (their envelope rebuilt from the
    columns the files keep)."""

    def page(
        self, tenant_id: str, window: Window, after: str | None, limit: int
    ) -> list[Event]: ...

    def count(self, tenant_id: str, window: Window) -> int: ...


class SecretVault(Protocol):
    def put(self, tenant_id: str, endpoint_id: str, keys: SigningKeys) -> None: ...

    def read(self, tenant_id: str, endpoint_id: str, version: int) -> SigningKeys: ...

    def delete(self, tenant_id: str, endpoint_id: str) -> None: ...


@dataclass(frozen=True)
class QueuedDelivery:
    """One (endpoint, event) on the deliveries queue; ``group`` keeps a message's events in
    order, ``dedup`` drops a second enqueue of the same delivery."""

    tenant_id: str
    endpoint_id: str
    delivery_id: str
    event: Event
    group: str
    dedup: str

    def body(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "endpoint_id": self.endpoint_id,
            "delivery_id": self.delivery_id,
            "event": self.event,
        }


class DeliveryQueue(Protocol):
    def send(self, deliveries: Sequence[QueuedDelivery]) -> None: ...


class ReplayQueue(Protocol):
    def enqueue(self, tenant_id: str, endpoint_id: str, job_id: str) -> None: ...


@dataclass(frozen=True)
class PostResult:
    status: int | None  # None: no HTTP answer (refused, timed out, TLS, forbidden address)
    ms: int
    error: str | None = None


class Poster(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult: ...


class Resolver(Protocol):
    def addresses(self, host: str) -> list[str]: ...


class RateLimiter(Protocol):
    def acquire(self, tenant_id: str, endpoint_id: str, now: datetime) -> bool:
        """Take one of the endpoint's sends for ``now``'s second; False when none is left."""
        ...


class Notifier(Protocol):
    def __call__(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None: ...
