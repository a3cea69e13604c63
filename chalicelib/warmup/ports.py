"""What the warm-up use cases need: the warm-up store, the pool's members and counters, the
mailboxes feature (a mailbox's state, address, pause, target and hand-over), the send path
warm-up mail goes through and the workflow that runs the days.

``WarmupSend`` and ``WarmupOutcome`` mirror the sending feature's types of the same names
(i15_shared.md): the adapter in ``links`` maps them one to one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.events import Event
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.warmup.partners import PoolMember
    from chalicelib.warmup.records import Warmup


@dataclass(frozen=True)
class WarmupSend:
    """One warm-up message to enqueue (the fields of ``chalicelib.sending.WarmupSend``)."""

    message_id: str
    mailbox_id: str
    to: str
    subject: str
    text: str
    html: str | None
    warmup_on: str
    warmup_day: int
    scheduled_at: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    reply: bool = False


@dataclass(frozen=True)
class WarmupOutcome:
    """Where a warm-up message is (``chalicelib.sending.WarmupOutcome``): ``settled`` once
    it is no longer queued, sending or waiting on a deferral."""

    status: str
    settled: bool
    bounced: bool = False
    deferred: bool = False
    complained: bool = False


class WarmupSender(Protocol):
    def enqueue(self, tenant_id: str, sends: Sequence[WarmupSend]) -> list[str]:
        """Create (once: the ids are deterministic) and enqueue ``sends``; their message ids.
        Enqueuing the same sends again creates nothing new."""
        ...

    def outcomes(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, WarmupOutcome]:
        """The outcome of each of ``message_ids``: an id the tenant has no message for is
        ``missing`` (settled, never sent)."""
        ...

    def message_id(self, key: str) -> str:
        """The deterministic message id of the warm-up message ``key``."""
        ...


class WarmupStore(Protocol):
    def get(self, tenant_id: str, mailbox_id: str) -> Warmup | None: ...

    def save(self, warmup: Warmup, events: Sequence[Event] = ()) -> Warmup:
        """Write ``warmup`` if its ``version`` is the stored one (0: none stored), with
        ``events`` in the same write (outbox); the saved copy with the next version.
        ``StaleWarmup`` otherwise (and no event is written)."""
        ...


class PoolStore(Protocol):
    def pool_members(self) -> list[PoolMember]:
        """Every warming warm-up with ``pool`` on, of every tenant (a sparse index)."""
        ...

    def pool_counts(self, tenant_id: str, mailbox_id: str, on: str) -> dict[str, int]:
        """What the pool did with the mailbox's mail of day ``on``: ``inbox``, ``spam``,
        ``rescued``, ``opened``, ``clicked``, ``replied`` (0 when nothing was counted)."""
        ...

    def pool_days(self, tenant_id: str, mailbox_id: str) -> dict[str, dict[str, int]]:
        """The same counters of every day of the mailbox, by day label (one query): they
        keep moving after a day closed, as opens and replies come hours later."""
        ...


class Mailboxes(Protocol):
    def status_of(self, ctx: TenantContext, mailbox_id: str) -> str | None:
        """The tenant's mailbox's status, None when it has no such mailbox."""
        ...

    def address_of(self, ctx: TenantContext, mailbox_id: str) -> str | None:
        """The mailbox's email address, None when it has no such mailbox."""
        ...

    def start_warming(self, ctx: TenantContext, mailbox_id: str, plan: str, day_0: str) -> None:
        """Set the mailbox ``warming`` on ``plan`` from ``day_0`` (YYYY-MM-DD)."""
        ...

    def end_warming(self, ctx: TenantContext, mailbox_id: str) -> None:
        """Take the mailbox out of warm-up (``active``, no plan)."""
        ...

    def pause(self, ctx: TenantContext, mailbox_id: str, reason: str) -> None:
        """Pause the mailbox for the warm-up (its gates) with ``reason``."""
        ...

    def set_target(self, ctx: TenantContext, mailbox_id: str, target: int) -> None:
        """Write the warm-up's target for today on the mailbox (its campaign cap)."""
        ...

    def hand_over(self, ctx: TenantContext, mailbox_id: str, daily_cap: int) -> None:
        """The warm-up is complete: the mailbox goes ``active`` with ``daily_cap``."""
        ...


class Workflow(Protocol):
    """What runs a warm-up's days (one Step Functions execution per mailbox and run). The
    service starts it on start and resume, and stops it on stop; a paused warm-up's run sees
    the status and sends nothing."""

    def start(self, warmup: Warmup) -> None: ...

    def stop(self, warmup: Warmup) -> None: ...
