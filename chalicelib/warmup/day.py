"""One warm-up day, the tasks of ``warmup.asl.json`` (one execution per mailbox and run):

- ``open_day``: the warm-up's running day (opened after the last when none is: a resumed
  warm-up), its target written on the mailbox; ``open`` false ends the run (not warming, or
  a newer run owns the warm-up).
- ``send_day``: the day's mail planned and enqueued: ``target`` messages to pool partners
  (``partners.choose_partners``), composed (``content.compose``), spread over the sending
  window (the day's first 2/3, ``rules.spread``). Message ids derive from the tenant, the
  mailbox, the warm-up's start, the day's label and the sequence, so a rerun of the day
  creates nothing new.
- ``settle_day``: whether every message of the day is settled (the sender's outcomes); after
  the settle bound (a quarter day; ``PM_WARMUP_SETTLE_SECONDS`` when set: the local platform
  sets a floor) the day is closed with what is known.
- ``close_day``: the day's stats (outcomes + the pool's counters), ``records.close_day`` with
  its ``warmup.decision`` event; a pause pauses the mailbox too, otherwise the new target is
  written on it. A rerun after the save re-applies those (both idempotent).
- ``hand_over``: a completed warm-up's mailbox goes ``active`` with the plan's peak as cap.

Every task gets ``{tenant_id, mailbox_id, run, state}`` (plus what the ASL passes on) and
reads the warm-up afresh; a stale save re-reads and retries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.core.clock import iso
from chalicelib.core.tenancy import system_context
from chalicelib.warmup import content, records
from chalicelib.warmup.partners import PoolMember, choose_partners
from chalicelib.warmup.ports import WarmupSend
from chalicelib.warmup.records import StaleWarmup, Warmup
from chalicelib.warmup.rules import DayStats, last_day, spread, volume

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.core.clock import Clock
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.warmup.ports import (
        Mailboxes,
        PoolStore,
        WarmupOutcome,
        WarmupSender,
        WarmupStore,
    )

SEND_WINDOW = 2 / 3  # the sending window: the day's first two thirds
SETTLE_POLLS = 12  # a poll every 1/48 day: a quarter day at most past the day's end
SAVE_TRIES = 5
# statuses of a message never handed to a server (``missing``: the send path has none)
NOT_SENT = frozenset(
    {"queued", "scheduled", "sending", "cancelled", "failed", "suppressed", "missing"}
)
# The states of warmup.asl.json: the day's steps in order, then the helpers.
DAY_STEPS = ("OpenDay", "SendDay", "WaitDay", "SettleDay", "CloseDay")
HELPERS = ("IsOpen", "StartSettling", "IsSettled", "WaitSettle", "NextDay", "HandOver", "Done")


class WarmupTaskFailed(Exception):
    """A warm-up task cannot go on (its record keeps changing under it)."""


@dataclass
class DayPorts:
    warmups: WarmupStore
    pool: PoolStore
    mailboxes: Mailboxes
    sender: WarmupSender
    clock: Clock
    day_seconds: int
    settle_seconds: int = 0  # the longest wait for a day's mail after it; 0: a quarter day

    @property
    def settle_bound(self) -> int:
        return self.settle_seconds or self.day_seconds // 4

    @property
    def settle_wait(self) -> int:
        """Seconds between two polls: 1/48 day, or more when the bound is long for the day
        (the local floor), so a day is polled at most ``2 * SETTLE_POLLS`` times."""
        return max(1, self.day_seconds // 48, self.settle_bound // (2 * SETTLE_POLLS))

    @property
    def settle_polls(self) -> int:
        """Polls before a day closes with what is known (within the bound)."""
        return max(1, self.settle_bound // self.settle_wait)


@dataclass(frozen=True)
class Ask:
    """A task's input: the warm-up and the run it belongs to."""

    tenant_id: str
    mailbox_id: str
    run: int
    event: dict[str, Any]

    @staticmethod
    def of(event: dict[str, Any]) -> Ask:
        return Ask(str(event["tenant_id"]), str(event["mailbox_id"]), int(event["run"]), event)

    @property
    def ctx(self) -> TenantContext:
        return system_context(self.tenant_id, actor="warmup")

    def owns(self, warmup: Warmup | None) -> bool:
        """The warm-up is this run's to work on (no newer run took it over)."""
        return warmup is not None and warmup.run == self.run


def open_day(ports: DayPorts, event: dict[str, Any]) -> dict[str, Any]:
    ask = Ask.of(event)
    closed = {"open": False, "on": "", "day": 0, "target": 0, "wait_seconds": 0}
    warmup = ports.warmups.get(ask.tenant_id, ask.mailbox_id)
    if warmup is None or not ask.owns(warmup) or warmup.status != "warming":
        return closed
    now = ports.clock.now_iso()
    if ports.mailboxes.status_of(ask.ctx, ask.mailbox_id) is None:  # deleted meanwhile
        gone = "the mailbox was deleted"
        _change(ports, ask, lambda w: records.stop(w, gone, now) if _warming(w) else w)
        return closed
    warmup = _change(ports, ask, lambda w: records.open_day(w, now) if _warming(w) else w)
    today = warmup.today if warmup else None
    if warmup is None or today is None:
        return closed
    ports.mailboxes.set_target(ask.ctx, ask.mailbox_id, today.target)
    return {
        "open": True,
        "on": today.on,
        "day": today.day,
        "target": today.target,
        "wait_seconds": ports.day_seconds,
    }


def send_day(ports: DayPorts, event: dict[str, Any]) -> dict[str, Any]:
    """Enqueue the day's warm-up mail; ``{"sent": n}`` (0 when paused, stopped or superseded)."""
    ask = Ask.of(event)
    warmup = ports.warmups.get(ask.tenant_id, ask.mailbox_id)
    today = warmup.today if warmup else None
    if warmup is None or not ask.owns(warmup) or warmup.status != "warming" or today is None:
        return {"sent": 0}
    if today.on != event.get("on"):
        return {"sent": 0}
    sends = plan_sends(ports, warmup, today.on, today.day, today.target)
    if sends:
        ports.sender.enqueue(ask.tenant_id, sends)
    return {"sent": len(sends)}


def plan_sends(ports: DayPorts, warmup: Warmup, on: str, day: int, target: int) -> list[WarmupSend]:
    """The day's ``target`` messages (fewer when the pool has nobody to warm with)."""
    me = PoolMember(warmup.tenant_id, warmup.mailbox_id, warmup.address)
    seed = f"{warmup.started_at}|{on}"
    partners = choose_partners(me, ports.pool.pool_members(), target, seed)
    start = ports.clock.now()
    end = start + timedelta(seconds=max(1.0, ports.day_seconds * SEND_WINDOW))
    times = spread(len(partners), start, end, f"{warmup.mailbox_id}|{seed}")
    sends = []
    for i, (partner, at) in enumerate(zip(partners, times, strict=True)):
        mail = content.compose(warmup.address, partner.address, seed, sequence=i)
        sends.append(
            WarmupSend(
                message_id=message_id(ports, warmup, on, i),
                mailbox_id=warmup.mailbox_id,
                to=partner.address,
                subject=mail.subject,
                text=mail.text,
                html=mail.html,
                warmup_on=on,
                warmup_day=day,
                scheduled_at=iso(at),
            )
        )
    return sends


def message_id(ports: DayPorts, warmup: Warmup, on: str, sequence: int) -> str:
    return _message_id(ports.sender, warmup, on, sequence)


def _message_id(sender: WarmupSender, warmup: Warmup, on: str, sequence: int) -> str:
    key = f"{warmup.tenant_id}:{warmup.mailbox_id}:{warmup.started_at}:{on}:{sequence}"
    return sender.message_id(key)


def settle_day(ports: DayPorts, event: dict[str, Any]) -> dict[str, Any]:
    """``{"settled", "polls", "wait_seconds"}``: settled when every message of the day is,
    or when ``ports.settle_polls`` polls are done (the day closes with what is known)."""
    ask = Ask.of(event)
    polls = int(event.get("polls") or 0) + 1
    wait = ports.settle_wait
    warmup = ports.warmups.get(ask.tenant_id, ask.mailbox_id)
    if warmup is None or not ask.owns(warmup) or warmup.status != "warming":
        return {"settled": True, "polls": polls, "wait_seconds": wait}
    found = _outcomes(ports, warmup, str(event.get("on") or ""), int(event.get("sent") or 0))
    done = all(o is not None and o.settled for o in found)
    return {"settled": done or polls >= ports.settle_polls, "polls": polls, "wait_seconds": wait}


def close_day(ports: DayPorts, event: dict[str, Any]) -> dict[str, Any]:
    """Decide the day; ``{"status"}`` the warm-up's status after it (``superseded``/``gone``
    when it is no longer this run's)."""
    ask = Ask.of(event)
    on, sent = str(event.get("on") or ""), int(event.get("sent") or 0)
    warmup = ports.warmups.get(ask.tenant_id, ask.mailbox_id)
    if warmup is None:
        return {"status": "gone"}
    if not ask.owns(warmup):
        return {"status": "superseded"}
    if warmup.status == "warming" and warmup.today is not None and warmup.today.on == on:
        stats = day_stats(ports, warmup, on, sent)
        tomorrow = date.fromisoformat(on) + timedelta(days=1)
        now = ports.clock.now_iso()

        def close(w: Warmup) -> tuple[Warmup, list[Any]] | None:
            if w.status != "warming" or w.today is None or w.today.on != on:
                return None
            changed, decided = records.close_day(w, stats, tomorrow, now)
            return changed, [decided]

        saved = _change_with_events(ports, ask, close)
        if saved is None:  # gone, or a newer run took it over meanwhile
            return {"status": "superseded"}
        warmup = saved
    _apply(ports, ask, warmup, on)
    return {"status": warmup.status}


def _apply(ports: DayPorts, ask: Ask, warmup: Warmup, on: str) -> None:
    """The mailbox follows the day's decision (again, on a rerun: both calls idempotent)."""
    decided = next((e for e in warmup.history if e.on == on and e.decision), None)
    if decided is None or decided.decision is None:
        return
    if warmup.status == "paused" and decided.decision.action == "pause":
        ports.mailboxes.pause(ask.ctx, ask.mailbox_id, decided.decision.reason)
    elif warmup.status == "warming":
        ports.mailboxes.set_target(ask.ctx, ask.mailbox_id, warmup.target)


def day_stats(ports: DayPorts, warmup: Warmup, on: str, sent: int) -> DayStats:
    sending = sent_stats(ports.sender, warmup, on, sent)
    counts = ports.pool.pool_counts(warmup.tenant_id, warmup.mailbox_id, on)
    return replace(
        sending,
        inbox=counts.get("inbox", 0),
        spam=counts.get("spam", 0),
        opened=counts.get("opened", 0),
        replied=counts.get("replied", 0),
        rescued=counts.get("rescued", 0),
        clicked=counts.get("clicked", 0),
    )


def sent_stats(sender: WarmupSender, warmup: Warmup, on: str, count: int) -> DayStats:
    """What the send path did with the first ``count`` messages of day ``on`` (sent,
    bounced, complained, deferred; the pool's counters left at 0)."""
    ids = [_message_id(sender, warmup, on, i) for i in range(count)]
    found = [o for o in sender.outcomes(warmup.tenant_id, ids).values()] if ids else []
    return DayStats(
        sent=sum(1 for o in found if o.status not in NOT_SENT or o.bounced or o.deferred),
        bounced=sum(1 for o in found if o.bounced),
        complained=sum(1 for o in found if o.complained),
        deferred=sum(1 for o in found if o.deferred),
    )


def hand_over(ports: DayPorts, event: dict[str, Any]) -> dict[str, Any]:
    """A completed warm-up's mailbox goes to campaigns with the plan's peak as its cap."""
    ask = Ask.of(event)
    warmup = ports.warmups.get(ask.tenant_id, ask.mailbox_id)
    if warmup is None or not ask.owns(warmup) or warmup.status != "completed":
        return {"handed_over": False, "daily_cap": 0}
    peak = volume(warmup.plan, last_day(warmup.plan))
    ports.mailboxes.hand_over(ask.ctx, ask.mailbox_id, peak)
    return {"handed_over": True, "daily_cap": peak}


def _warming(warmup: Warmup) -> bool:
    return warmup.status == "warming"


def _outcomes(ports: DayPorts, warmup: Warmup, on: str, sent: int) -> list[WarmupOutcome | None]:
    ids = [message_id(ports, warmup, on, i) for i in range(sent)]
    if not ids:
        return []
    found = ports.sender.outcomes(warmup.tenant_id, ids)
    return [found.get(i) for i in ids]


def _change(ports: DayPorts, ask: Ask, change: Callable[[Warmup], Warmup]) -> Warmup | None:
    def with_no_events(w: Warmup) -> tuple[Warmup, list[Any]] | None:
        return change(w), []

    return _change_with_events(ports, ask, with_no_events)


def _change_with_events(
    ports: DayPorts, ask: Ask, change: Callable[[Warmup], tuple[Warmup, list[Any]] | None]
) -> Warmup | None:
    """Apply ``change`` to the latest warm-up and save it (re-read on a stale save); the
    saved copy, the unchanged one when ``change`` has nothing to do, None when it is gone
    or no longer this run's."""
    for _ in range(SAVE_TRIES):
        warmup = ports.warmups.get(ask.tenant_id, ask.mailbox_id)
        if warmup is None or not ask.owns(warmup):
            return None
        changed = change(warmup)
        if changed is None or changed[0] == warmup:
            return warmup
        try:
            return ports.warmups.save(changed[0], changed[1])
        except StaleWarmup:
            continue
    raise WarmupTaskFailed(f"the warm-up of {ask.mailbox_id} keeps changing under this task")


TASKS: dict[str, Callable[[DayPorts, dict[str, Any]], dict[str, Any]]] = {
    "open_day": open_day,
    "send_day": send_day,
    "settle_day": settle_day,
    "close_day": close_day,
    "hand_over": hand_over,
}
