"""What the sending use cases need: the message, body, suppression, cool-down, queue and
request-key stores; the other features' data (tenants, domains, mailboxes, templates,
counters) as far as sending reads it; and the send path's builder and sender."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from chalicelib.accounts import Tenant
    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.domains import Domain
    from chalicelib.mailboxes import Mailbox
    from chalicelib.sending.rules.breaker import Breaker
    from chalicelib.sending.rules.messages import Message
    from chalicelib.sending.rules.suppressions import Suppression
    from chalicelib.templates import Template

# What the builder makes and the sender takes: opaque to the use cases.
Built = Any
Envelope = Any
Identity = Any
Job = tuple[str, str, int]  # tenant id, message id (or mailbox id), delay in seconds


class MessageStore(Protocol):
    """Messages; every write takes the events of its change and stores them with it (the
    outbox: they exist if and only if the write happened)."""

    def create_many(self, messages: list[Message], events: Iterable[Event] = ()) -> None:
        """Each event goes with the message its ``message_id`` names."""
        ...

    def create_new(self, messages: list[Message], events: Iterable[Event] = ()) -> set[str]:
        """Create each message not stored yet (conditionally, with the events naming it);
        the ids it created. A stored one is left as it is and its events are dropped."""
        ...

    def get(self, tenant_id: str, message_id: str) -> Message | None: ...

    def get_with_lease(self, tenant_id: str, message_id: str) -> tuple[Message, int] | None:
        """The message and the epoch second its send lease ends (0 when it has none)."""
        ...

    def get_many(
        self, refs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[Message, int]]: ...

    def transition(
        self,
        message: Message,
        expect_status: Iterable[str],
        expect_attempts: int,
        lease_until: int = 0,
        events: Iterable[Event] = (),
    ) -> None:
        """Write status, attempts and timeline, and ``events``, if the stored message still
        has one of ``expect_status`` and ``expect_attempts``; ``StaleWrite`` otherwise."""
        ...

    def list(
        self, tenant_id: str, limit: int, token: str | None, filters: dict[str, str]
    ) -> Page[Message]: ...


class BodyStore(Protocol):
    def key(self, tenant_id: str, body_id: str) -> str: ...

    def put(self, key: str, body: dict[str, Any]) -> None: ...

    def get(self, key: str) -> dict[str, Any]: ...


class SuppressionStore(Protocol):
    def add(self, tenant_id: str, entry: Suppression, events: Iterable[Event] = ()) -> bool:
        """False when the address was suppressed already (the first entry is kept and the
        events are not stored)."""
        ...

    def remove(self, tenant_id: str, address: str) -> bool: ...

    def get(self, tenant_id: str, address: str) -> Suppression | None: ...

    def check(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """For (tenant id, address) pairs, the scope of each that is suppressed."""
        ...

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Suppression]: ...


class CooldownStore(Protocol):
    def get(self, tenant_id: str, mailbox_id: str, provider: str) -> int:
        """The epoch second the cool-down ends (0 when there is none)."""
        ...

    def set(self, tenant_id: str, mailbox_id: str, provider: str, until: int) -> None: ...

    def get_many(
        self, tenant_id: str, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        """For (mailbox id, provider) pairs, the epoch second each cool-down ends; pairs
        without one are left out. One batch read for all of them."""
        ...


class BreakerStore(Protocol):
    """The circuit breakers of the tenants' SMTP servers, written only conditionally: two
    workers never both open one or both take its probe."""

    def get(self, tenant_id: str, server: str) -> Breaker | None: ...

    def put(self, before: Breaker, after: Breaker, events: Iterable[Event] = ()) -> bool:
        """Store ``after`` (version ``before.version + 1``) and ``events`` with it, if the
        stored breaker is still at ``before.version`` (absent for 0); False otherwise."""
        ...

    def not_closed(self, limit: int) -> list[Breaker]:
        """Every tenant's open or half-open breakers (an operator view), at most ``limit``."""
        ...


class TenantNotifier(Protocol):
    def __call__(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None:
        """Queue a notification of ``kind`` to the tenant's contact (best-effort)."""
        ...


class SendSlots(Protocol):
    """The plan send rate's counters: one per tenant and one-second window."""

    def reserve(self, tenant_id: str, window: int, count: int) -> int:
        """Add ``count`` to the tenant's reservations in ``window`` (an epoch second), in one
        atomic write; the window's total after it, this call's included."""
        ...


class SendQueues(Protocol):
    def enqueue_many(self, queue: str, jobs: list[Job], key: str = "message_id") -> None: ...

    def dead(self, queue: str, job: tuple[str, str], reason: str) -> None: ...


class RequestKeys(Protocol):
    """``Idempotency-Key``: the first request's reply, stored for 24 hours, per tenant."""

    def begin(self, tenant_id: str, key: str, fingerprint: str) -> tuple[int, Any] | None:
        """None: run the request (the key is free, expired, or held past its lease by a
        request with this body). The stored (status, body) when it ran with this body;
        ``Conflict`` when it ran or runs with another body, or still runs in its lease."""
        ...

    def finish(
        self, tenant_id: str, key: str, fingerprint: str, status: int, body: Any
    ) -> None: ...

    def abandon(self, tenant_id: str, key: str) -> None: ...


class TenantReader(Protocol):
    def get(self, tenant_id: str) -> Tenant | None: ...


class DomainReader(Protocol):
    def get(self, ctx: TenantContext, domain_id: str) -> Domain | None: ...


class MailboxReader(Protocol):
    def get(self, ctx: TenantContext, mailbox_id: str) -> Mailbox | None: ...

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Mailbox]: ...


class TemplateReader(Protocol):
    def get(self, ctx: TenantContext, template_id: str) -> Template | None: ...


class UsageCounters(Protocol):
    def read(self, tenant_id: str, period: str) -> dict[str, int]: ...


class SendResult(Protocol):
    """What the server said to one message: code (None when no reply came), text, and the
    stage it got to (connect, tls, auth, mail, rcpt, data, done)."""

    @property
    def code(self) -> int | None: ...

    @property
    def text(self) -> str: ...

    @property
    def stage(self) -> str: ...


Claim = Callable[[], Awaitable[bool]]


class MessageSender(Protocol):
    """One mailbox's SMTP connections for one batch. ``claim`` is awaited once the message
    holds a connection whose session is ready, right before MAIL FROM; when it answers False
    (another worker owns the message) nothing is sent and the result's stage is ``claim``.
    A message whose session could not be set up never calls it."""

    async def send(self, envelope: Envelope, claim: Claim | None = None) -> SendResult: ...

    async def close(self) -> None: ...


class IdentityFactory(Protocol):
    def __call__(self, tenant: Tenant, domain: Domain, mailbox: Mailbox) -> Identity: ...


class Builder(Protocol):
    def __call__(
        self, message: Message, sources: dict[str, Any], identity: Identity, now: datetime
    ) -> Built: ...


class SenderFactory(Protocol):
    def __call__(self, mailbox: Mailbox) -> MessageSender: ...


class EnvelopeMaker(Protocol):
    def __call__(self, built: Built, rcpt: str) -> Envelope: ...


class SoftBounceRuns(Protocol):
    """Each recipient's run of soft bounces since its last delivery."""

    def record(self, tenant_id: str, address: str, source_id: str) -> int:
        """The run with this bounce counted (once per ``source_id``)."""
        ...

    def end(self, tenant_id: str, address: str) -> None:
        """A delivery or a reply ends the run."""
        ...


class DueIndex(Protocol):
    def due(self, hour: str, until: str, limit: int) -> list[tuple[str, str]]:
        """(tenant id, message id) of ``sent`` messages due in ``hour`` by ``until``."""
        ...


class SweepCursor(Protocol):
    def get(self) -> str | None: ...

    def advance(self, hour: str) -> None:
        """Move forward to ``hour`` (never back)."""
        ...
