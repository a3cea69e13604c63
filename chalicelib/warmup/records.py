"""A mailbox's warm-up as the platform keeps it: its plan, pool flag, status, warm-up day,
today's target and one entry per day (target, outcomes, the decision taken on it).

Pure data and the transitions a tenant asks for (start, pause, resume, stop); ``store``
keeps it as one JSON document per mailbox with an optimistic-lock version.

Status: ``warming`` → ``paused`` (a tenant or the gates) → ``warming`` again; ``warming``
or ``paused`` → ``stopped`` (the tenant ends it) ; ``warming`` → ``completed`` (the
plan's last day passed its gates). A stopped or completed warm-up may be started again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from chalicelib.core.errors import Conflict
from chalicelib.core.events import Event, new_event
from chalicelib.warmup.rules import DayStats, Decision, decide, ensure_plan, volume

STATUSES = ("warming", "paused", "stopped", "completed")
RUNNING = ("warming", "paused")


class StaleWarmup(Exception):
    """The warm-up changed since it was read (importable without PynamoDB)."""


@dataclass(frozen=True)
class DayEntry:
    """One calendar day of a warm-up: its warm-up day, target, outcomes and decision (None
    while the day is running)."""

    on: str  # YYYY-MM-DD
    day: int
    target: int
    stats: DayStats = field(default_factory=DayStats)
    decision: Decision | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on,
            "day": self.day,
            "target": self.target,
            "stats": self.stats.to_dict(),
            "decision": self.decision.to_dict() if self.decision else None,
        }

    @staticmethod
    def from_dict(body: dict[str, Any]) -> DayEntry:
        decision = body.get("decision")
        return DayEntry(
            body["on"],
            int(body["day"]),
            int(body["target"]),
            DayStats.from_dict(body.get("stats") or {}),
            Decision.from_dict(decision) if decision else None,
        )


@dataclass(frozen=True)
class Warmup:
    tenant_id: str
    mailbox_id: str
    plan: str
    pool: bool
    status: str
    day: int
    target: int
    started_at: str
    updated_at: str
    history: tuple[DayEntry, ...] = ()
    status_reason: str | None = None
    version: int = 0
    run: int = 0  # the workflow run: bumped on start and resume (its execution's name)
    address: str = ""  # the mailbox's email address (the pool's partners write to it)

    @property
    def today(self) -> DayEntry | None:
        """The running day's entry (the last one, while it has no decision)."""
        last = self.history[-1] if self.history else None
        return last if last and last.decision is None else None

    @property
    def last_decision(self) -> Decision | None:
        decided = [e.decision for e in self.history if e.decision is not None]
        return decided[-1] if decided else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "pool": self.pool,
            "status": self.status,
            "day": self.day,
            "target": self.target,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "history": [e.to_dict() for e in self.history],
            "status_reason": self.status_reason,
            "run": self.run,
            "address": self.address,
        }

    @staticmethod
    def from_dict(tenant_id: str, mailbox_id: str, body: dict[str, Any], version: int) -> Warmup:
        return Warmup(
            tenant_id,
            mailbox_id,
            body["plan"],
            bool(body["pool"]),
            body["status"],
            int(body["day"]),
            int(body["target"]),
            body["started_at"],
            body["updated_at"],
            tuple(DayEntry.from_dict(e) for e in body.get("history") or ()),
            body.get("status_reason"),
            version,
            int(body.get("run") or 0),
            str(body.get("address") or ""),
        )


def start(
    tenant_id: str,
    mailbox_id: str,
    plan: str,
    pool: bool,
    today: date,
    now: str,
    previous: Warmup | None = None,
    address: str = "",
) -> Warmup:
    """A new warm-up on day 0; 409 when the mailbox's warm-up is running already. A stopped
    or completed one is replaced (its version kept, so the save still checks it)."""
    if previous is not None and previous.status in RUNNING:
        raise Conflict(
            f"mailbox {mailbox_id} is already warming ({previous.status})",
            {"status": previous.status},
        )
    target = volume(ensure_plan(plan), 0)
    return Warmup(
        tenant_id,
        mailbox_id,
        plan,
        pool,
        "warming",
        0,
        target,
        now,
        now,
        (DayEntry(today.isoformat(), 0, target),),
        version=previous.version if previous else 0,
        run=(previous.run if previous else 0) + 1,
        address=address,
    )


def pause(warmup: Warmup, reason: str, now: str) -> Warmup:
    _ensure(warmup, ("warming",), "pause")
    return replace(warmup, status="paused", status_reason=reason, updated_at=now)


def resume(warmup: Warmup, now: str) -> Warmup:
    _ensure(warmup, ("paused",), "resume")
    return replace(warmup, status="warming", status_reason=None, updated_at=now, run=warmup.run + 1)


def stop(warmup: Warmup, reason: str, now: str) -> Warmup:
    _ensure(warmup, RUNNING, "stop")
    return replace(warmup, status="stopped", status_reason=reason, updated_at=now)


def _ensure(warmup: Warmup, allowed: tuple[str, ...], action: str) -> None:
    if warmup.status not in allowed:
        raise Conflict(
            f"a {warmup.status} warm-up cannot {action}",
            {"status": warmup.status, "allowed_from": list(allowed)},
        )


def next_on(warmup: Warmup) -> str:
    """The label of the day after the warm-up's last one (a warm-up calendar: each day is
    the previous + 1, however long a day lasts on the wall clock)."""
    last = date.fromisoformat(warmup.history[-1].on) if warmup.history else None
    if last is None:
        return warmup.started_at[:10]
    return (last + timedelta(days=1)).isoformat()


def open_day(warmup: Warmup, now: str) -> Warmup:
    """The warm-up with a running day: its open one, or a new one after the last (a warm-up
    resumed after the gates paused it) on its current warm-up day and target."""
    _ensure(warmup, ("warming",), "open a day")
    if warmup.today is not None:
        return warmup
    opened = DayEntry(next_on(warmup), warmup.day, warmup.target)
    return replace(warmup, history=(*warmup.history, opened), updated_at=now)


def close_day(warmup: Warmup, stats: DayStats, tomorrow: date, now: str) -> tuple[Warmup, Event]:
    """Decide the running day from its outcomes ``stats`` (``rules.decide``): the day's
    entry gets the stats and the decision; ``pause`` pauses the warm-up with the reason,
    ``complete`` completes it, otherwise ``tomorrow`` opens on the decided day and volume.
    The ``warmup.decision`` event goes with the change (saved together, outbox)."""
    _ensure(warmup, ("warming",), "close a day")
    running = warmup.today or DayEntry(tomorrow.isoformat(), warmup.day, warmup.target)
    decision = decide(warmup.plan, warmup.day, stats)
    closed = replace(running, stats=stats, decision=decision)
    history = (*warmup.history[: -1 if warmup.today else None], closed)
    changed = replace(warmup, history=history, updated_at=now)
    if decision.action == "pause":
        changed = replace(changed, status="paused", status_reason=decision.reason)
    elif decision.action == "complete":
        changed = replace(changed, status="completed", status_reason=decision.reason)
    else:
        opened = DayEntry(tomorrow.isoformat(), decision.next_day, decision.volume)
        changed = replace(
            changed, day=decision.next_day, target=decision.volume, history=(*history, opened)
        )
    return changed, decision_event(warmup, closed, decision, now)


def decision_event(warmup: Warmup, entry: DayEntry, decision: Decision, now: str) -> Event:
    return new_event(
        "warmup.decision",
        warmup.tenant_id,
        now,
        mailbox_id=warmup.mailbox_id,
        plan=warmup.plan,
        on=entry.on,
        day=entry.day,
        action=decision.action,
        next_day=decision.next_day,
        volume=decision.volume,
        reason=decision.reason,
        inputs=decision.inputs,
    )
