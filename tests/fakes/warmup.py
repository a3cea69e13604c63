"""In-memory twins of the warm-up ports: the warm-up store (same optimistic lock as the
real one), the pool (members and counters), the mailboxes link, the send path (warm-up mail
created once per message id, outcomes a test scripts) and a workflow that records what it
was asked."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

from chalicelib.core.errors import Conflict
from chalicelib.core.events import Event
from chalicelib.core.tenancy import TenantContext
from chalicelib.warmup.partners import PoolMember
from chalicelib.warmup.ports import WarmupOutcome, WarmupSend
from chalicelib.warmup.records import StaleWarmup, Warmup


class FakeWarmups:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Warmup] = {}
        self.events: list[Event] = []

    def get(self, tenant_id: str, mailbox_id: str) -> Warmup | None:
        return self.items.get((tenant_id, mailbox_id))

    def save(self, warmup: Warmup, events: Sequence[Event] = ()) -> Warmup:
        current = self.items.get((warmup.tenant_id, warmup.mailbox_id))
        if (current.version if current else 0) != warmup.version:
            raise StaleWarmup(warmup.mailbox_id)
        saved = dataclasses.replace(warmup, version=warmup.version + 1)
        self.items[(warmup.tenant_id, warmup.mailbox_id)] = saved
        self.events.extend(events)
        return saved


class FakeMailboxes:
    """The mailboxes feature as the warm-up sees it: ``status`` per (tenant, mailbox), its
    address, pause reason, warm-up target and daily cap."""

    def __init__(self) -> None:
        self.status: dict[tuple[str, str], str] = {}
        self.plans: dict[tuple[str, str], tuple[str, str]] = {}
        self.addresses: dict[tuple[str, str], str] = {}
        self.pause_reasons: dict[tuple[str, str], str] = {}
        self.targets: dict[tuple[str, str], int] = {}
        self.caps: dict[tuple[str, str], int] = {}

    def add(
        self, tenant_id: str, mailbox_id: str, status: str = "active", address: str = ""
    ) -> None:
        self.status[(tenant_id, mailbox_id)] = status
        self.addresses[(tenant_id, mailbox_id)] = address or f"{mailbox_id}@example.test"

    def status_of(self, ctx: TenantContext, mailbox_id: str) -> str | None:
        return self.status.get((ctx.tenant_id, mailbox_id))

    def address_of(self, ctx: TenantContext, mailbox_id: str) -> str | None:
        return self.addresses.get((ctx.tenant_id, mailbox_id))

    def pause(self, ctx: TenantContext, mailbox_id: str, reason: str) -> None:
        key = (ctx.tenant_id, mailbox_id)
        if key in self.status:
            self.status[key] = "paused"
            self.pause_reasons[key] = reason

    def set_target(self, ctx: TenantContext, mailbox_id: str, target: int) -> None:
        if self.status.get((ctx.tenant_id, mailbox_id)) == "warming":
            self.targets[(ctx.tenant_id, mailbox_id)] = target

    def hand_over(self, ctx: TenantContext, mailbox_id: str, daily_cap: int) -> None:
        key = (ctx.tenant_id, mailbox_id)
        if key in self.status:
            self.status[key] = "active"
            self.plans.pop(key, None)
            self.caps[key] = daily_cap

    def start_warming(self, ctx: TenantContext, mailbox_id: str, plan: str, day_0: str) -> None:
        key = (ctx.tenant_id, mailbox_id)
        if self.status[key] == "paused":
            raise Conflict(f"mailbox {mailbox_id} is paused", {"status": "paused"})
        self.status[key] = "warming"
        self.plans[key] = (plan, day_0)

    def end_warming(self, ctx: TenantContext, mailbox_id: str) -> None:
        key = (ctx.tenant_id, mailbox_id)
        if self.status[key] == "warming":
            self.status[key] = "active"
        self.plans.pop(key, None)


class RecordingWorkflow:
    """The workflow seam: keeps ``(action, tenant id, mailbox id)`` of every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def start(self, warmup: Warmup) -> None:
        self.calls.append(("start", warmup.tenant_id, warmup.mailbox_id))

    def stop(self, warmup: Warmup) -> None:
        self.calls.append(("stop", warmup.tenant_id, warmup.mailbox_id))


class FakePool:
    """The pool: the warming warm-ups with ``pool`` on of ``warmups`` (as the real index
    lists them) plus any member a test adds, and the counters of each sender's day."""

    def __init__(self, warmups: FakeWarmups | None = None) -> None:
        self.warmups = warmups
        self.members: list[PoolMember] = []
        self.counts: dict[tuple[str, str, str], dict[str, int]] = {}

    def pool_members(self) -> list[PoolMember]:
        found = list(self.members)
        for w in self.warmups.items.values() if self.warmups else ():
            if w.pool and w.status == "warming":
                found.append(PoolMember(w.tenant_id, w.mailbox_id, w.address))
        return found

    def add_counts(self, tenant_id: str, mailbox_id: str, on: str, **counts: int) -> None:
        """What the pool worker does: ADD to the day's counters."""
        day = self.counts.setdefault((tenant_id, mailbox_id, on), {})
        for name, value in counts.items():
            day[name] = day.get(name, 0) + value

    def pool_counts(self, tenant_id: str, mailbox_id: str, on: str) -> dict[str, int]:
        day = self.counts.get((tenant_id, mailbox_id, on), {})
        from chalicelib.warmup.rules import POOL_COUNTERS

        return {name: day.get(name, 0) for name in POOL_COUNTERS}

    def pool_days(self, tenant_id: str, mailbox_id: str) -> dict[str, dict[str, int]]:
        return {
            on: self.pool_counts(tenant_id, mailbox_id, on)
            for (t, m, on) in self.counts
            if (t, m) == (tenant_id, mailbox_id)
        }


class FakeSender:
    """The send path for warm-up mail: a message is created once per id (a second enqueue
    of the same id changes nothing); every message is ``queued`` until ``deliver`` (or a
    test's ``outcome``) settles it."""

    def __init__(self) -> None:
        self.messages: dict[tuple[str, str], WarmupSend] = {}
        self.results: dict[tuple[str, str], WarmupOutcome] = {}
        self.enqueues = 0

    def message_id(self, key: str) -> str:
        return "msg_" + hashlib.sha256(("warmup:" + key).encode()).hexdigest()[:20]

    def enqueue(self, tenant_id: str, sends: Sequence[WarmupSend]) -> list[str]:
        self.enqueues += 1
        for send in sends:
            self.messages.setdefault((tenant_id, send.message_id), send)
        return [send.message_id for send in sends]

    def outcomes(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, WarmupOutcome]:
        found = {}
        for mid in message_ids:
            if (tenant_id, mid) in self.messages:
                found[mid] = self.results.get((tenant_id, mid), WarmupOutcome("queued", False))
            else:
                found[mid] = WarmupOutcome("missing", True)
        return found

    def outcome(self, tenant_id: str, message_id: str, outcome: WarmupOutcome) -> None:
        self.results[(tenant_id, message_id)] = outcome

    def deliver(self, tenant_id: str, bounced: int = 0, mailbox_id: str | None = None) -> None:
        """Settle every queued message of the tenant: the first ``bounced`` bounce."""
        pending = sorted(
            mid
            for (t, mid), send in self.messages.items()
            if t == tenant_id
            and (mailbox_id is None or send.mailbox_id == mailbox_id)
            and (t, mid) not in self.results
        )
        for i, mid in enumerate(pending):
            status = "bounced" if i < bounced else "delivered"
            self.results[(tenant_id, mid)] = WarmupOutcome(status, True, bounced=i < bounced)

    def of(self, tenant_id: str, mailbox_id: str) -> list[WarmupSend]:
        return [
            s
            for (t, _), s in self.messages.items()
            if t == tenant_id and s.mailbox_id == mailbox_id
        ]
