"""Warm-up use cases, written against ports only: start a mailbox's warm-up (the mailbox
goes ``warming`` on its plan), read it, pause, resume and stop it. Running the days (the
gates, the sends) belongs to the ``Workflow`` the service starts and stops."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import Conflict, NotFound
from chalicelib.warmup import records
from chalicelib.warmup.records import StaleWarmup, Warmup
from chalicelib.warmup.rules import POOL_COUNTERS, DayStats, last_day

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.warmup.ports import Mailboxes, PoolStore, WarmupSender, WarmupStore, Workflow


@dataclass
class WarmupPorts:
    warmups: WarmupStore
    mailboxes: Mailboxes
    workflow: Workflow
    clock: Clock
    pool: PoolStore | None = None  # the pool's counters (GET); none: the closed days' only
    sender: WarmupSender | None = None  # today's sends so far (GET); none: not shown


def start(ports: WarmupPorts, ctx: TenantContext, mailbox_id: str, plan: str, pool: bool) -> Warmup:
    """Start the mailbox's warm-up on day 0: 404 when it is not the tenant's, 409 when its
    warm-up runs already or the mailbox is paused."""
    address = ports.mailboxes.address_of(ctx, mailbox_id)
    if address is None or ports.mailboxes.status_of(ctx, mailbox_id) is None:
        raise _missing(mailbox_id)
    now = ports.clock.now()
    previous = ports.warmups.get(ctx.tenant_id, mailbox_id)
    warmup = records.start(
        ctx.tenant_id, mailbox_id, plan, pool, now.date(), ports.clock.now_iso(), previous, address
    )
    # the mailbox first: a failed save after it leaves a warming mailbox a retry completes
    ports.mailboxes.start_warming(ctx, mailbox_id, plan, now.date().isoformat())
    saved = _save(ports, warmup)
    ports.workflow.start(saved)
    return saved


def find(ports: WarmupPorts, ctx: TenantContext, mailbox_id: str) -> Warmup:
    warmup = ports.warmups.get(ctx.tenant_id, mailbox_id)
    if warmup is None:
        raise NotFound(f"mailbox {mailbox_id} has no warm-up", {"id": mailbox_id})
    return warmup


def view(ports: WarmupPorts, ctx: TenantContext, mailbox_id: str) -> dict[str, Any]:
    """The warm-up as GET shows it: today's placement and engagement from the pool's
    counters of today (closed days carry theirs in the history)."""
    warmup = find(ports, ctx, mailbox_id)
    today = warmup.today
    days = ports.pool.pool_days(warmup.tenant_id, warmup.mailbox_id) if ports.pool else {}
    sending = None
    if ports.sender is not None and today is not None:
        from chalicelib.warmup.day import sent_stats

        sending = sent_stats(ports.sender, warmup, today.on, today.target)
    return to_public(warmup, days.get(today.on) if today else None, sending, days)


def pause(ports: WarmupPorts, ctx: TenantContext, mailbox_id: str) -> Warmup:
    """Pause (409 unless warming); the workflow's next day sees it and sends nothing."""
    warmup = records.pause(find(ports, ctx, mailbox_id), "paused by the tenant", _now(ports))
    return _save(ports, warmup)


def resume(ports: WarmupPorts, ctx: TenantContext, mailbox_id: str) -> Warmup:
    """Resume (409 unless paused) on the day it was paused on."""
    saved = _save(ports, records.resume(find(ports, ctx, mailbox_id), _now(ports)))
    ports.workflow.start(saved)
    return saved


def stop(ports: WarmupPorts, ctx: TenantContext, mailbox_id: str) -> Warmup:
    """Stop for good (409 unless warming or paused): the mailbox leaves warm-up."""
    warmup = records.stop(find(ports, ctx, mailbox_id), "stopped by the tenant", _now(ports))
    saved = _save(ports, warmup)
    ports.mailboxes.end_warming(ctx, mailbox_id)
    ports.workflow.stop(saved)
    return saved


def to_public(
    warmup: Warmup,
    pool_counts: dict[str, int] | None = None,
    sending: DayStats | None = None,
    pool_days: dict[str, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """The reply: today's figures (``sending``: today's sends so far; ``pool_counts``: the
    pool's counters of today), each closed day with its figures at closing (what the gates
    saw) and ``pool``, the pool's counters of that day now (opens and replies keep coming
    after a day closed)."""
    today = warmup.today
    stats = today.stats if today else DayStats()
    if sending is not None:
        stats = replace(
            stats,
            sent=sending.sent,
            bounced=sending.bounced,
            complained=sending.complained,
            deferred=sending.deferred,
        )
    if pool_counts:
        pooled = {k: int(pool_counts.get(k, 0)) for k in POOL_COUNTERS}
        stats = replace(stats, **pooled)
    decision = warmup.last_decision
    return {
        "mailbox_id": warmup.mailbox_id,
        "plan": warmup.plan,
        "pool": warmup.pool,
        "status": warmup.status,
        "status_reason": warmup.status_reason,
        "day": warmup.day,
        "last_day": last_day(warmup.plan),
        "today": {
            "on": today.on if today else None,
            "target": warmup.target,
            **stats.to_dict(),
            **stats.rates(),
        },
        "last_decision": decision.to_dict() if decision else None,
        "history": [
            {**entry.to_dict(), "pool": (pool_days or {}).get(entry.on)} for entry in warmup.history
        ],
        "started_at": warmup.started_at,
        "updated_at": warmup.updated_at,
    }


def _save(ports: WarmupPorts, warmup: Warmup) -> Warmup:
    try:
        return ports.warmups.save(warmup)
    except StaleWarmup as exc:
        raise Conflict(
            f"the warm-up of mailbox {warmup.mailbox_id} changed meanwhile; read it again",
            {"id": warmup.mailbox_id},
        ) from exc


def _missing(mailbox_id: str) -> NotFound:
    return NotFound(f"mailbox {mailbox_id} not found", {"id": mailbox_id})


def _now(ports: WarmupPorts) -> str:
    return ports.clock.now_iso()
