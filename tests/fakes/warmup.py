"""In-memory twins of the warm-up ports: the warm-up store (same optimistic lock as the
real one), the mailboxes link and a workflow that records what it was asked."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from chalicelib.core.errors import Conflict
from chalicelib.core.events import Event
from chalicelib.core.tenancy import TenantContext
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
    """The mailboxes feature as the warm-up sees it: ``status`` per (tenant, mailbox)."""

    def __init__(self) -> None:
        self.status: dict[tuple[str, str], str] = {}
        self.plans: dict[tuple[str, str], tuple[str, str]] = {}

    def add(self, tenant_id: str, mailbox_id: str, status: str = "active") -> None:
        self.status[(tenant_id, mailbox_id)] = status

    def status_of(self, ctx: TenantContext, mailbox_id: str) -> str | None:
        return self.status.get((ctx.tenant_id, mailbox_id))

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
