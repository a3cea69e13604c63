"""What the warm-up use cases need: the warm-up store, the mailboxes feature (a mailbox's
state and its switch to and from ``warming``) and the workflow that runs the days."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.events import Event
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.warmup.records import Warmup


class WarmupStore(Protocol):
    def get(self, tenant_id: str, mailbox_id: str) -> Warmup | None: ...

    def save(self, warmup: Warmup, events: Sequence[Event] = ()) -> Warmup:
        """Write ``warmup`` if its ``version`` is the stored one (0: none stored), with
        ``events`` in the same write (outbox); the saved copy with the next version.
        ``StaleWarmup`` otherwise (and no event is written)."""
        ...


class Mailboxes(Protocol):
    def status_of(self, ctx: TenantContext, mailbox_id: str) -> str | None:
        """The tenant's mailbox's status, None when it has no such mailbox."""
        ...

    def start_warming(self, ctx: TenantContext, mailbox_id: str, plan: str, day_0: str) -> None:
        """Set the mailbox ``warming`` on ``plan`` from ``day_0`` (YYYY-MM-DD)."""
        ...

    def end_warming(self, ctx: TenantContext, mailbox_id: str) -> None:
        """Take the mailbox out of warm-up (``active``, no plan)."""
        ...


class Workflow(Protocol):
    """What runs a warm-up's days (one Step Functions execution per mailbox). The service
    starts it on start and resume, and stops it on stop; a paused warm-up's run sees the
    status and sends nothing."""

    def start(self, warmup: Warmup) -> None: ...

    def stop(self, warmup: Warmup) -> None: ...
