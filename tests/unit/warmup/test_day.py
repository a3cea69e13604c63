"""The warm-up's day tasks (``chalicelib.warmup.day``) over fakes with an injected clock: a
day sends the plan's volume to the pool inside its sending window and never to itself, a
rerun sends nothing new, the close increases, holds or pauses (the mailbox too), the target
follows on the mailbox, a completed plan hands the mailbox over, and an older run or a
paused warm-up does nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.core.clock import parse_iso
from chalicelib.core.tenancy import system_context
from chalicelib.warmup import day, records, service
from chalicelib.warmup.day import DayPorts
from chalicelib.warmup.partners import PoolMember
from chalicelib.warmup.ports import WarmupOutcome
from chalicelib.warmup.records import Warmup
from chalicelib.warmup.rules import last_day, volume
from chalicelib.warmup.service import WarmupPorts
from tests.fakes.core import FakeClock
from tests.fakes.warmup import FakeMailboxes, FakePool, FakeSender, FakeWarmups, RecordingWorkflow

CTX = system_context("ten_a", "business")
MBX = "mbx_1"
DAY = 600  # seconds in a warm-up day here
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.clock = FakeClock(START)
        self.warmups = FakeWarmups()
        self.mailboxes = FakeMailboxes()
        self.pool = FakePool()
        self.sender = FakeSender()
        self.workflow = RecordingWorkflow()
        self.ports = DayPorts(self.warmups, self.pool, self.mailboxes, self.sender, self.clock, DAY)
        self.mailboxes.add(CTX.tenant_id, MBX, address="anna@acme.test")
        for tenant, mailbox in [("ten_b", "mbx_b1"), ("ten_b", "mbx_b2"), ("ten_c", "mbx_c1")]:
            self.mailboxes.add(tenant, mailbox)
            self.pool.members.append(PoolMember(tenant, mailbox, f"{mailbox}@example.test"))
        self.pool.members.append(PoolMember(CTX.tenant_id, MBX, "anna@acme.test"))

    def start(self, plan: str = "standard") -> Warmup:
        ports = WarmupPorts(self.warmups, self.mailboxes, self.workflow, self.clock)
        return service.start(ports, CTX, MBX, plan, True)

    def event(self, **extra: Any) -> dict[str, Any]:
        warmup = self.warmup()
        return {"tenant_id": CTX.tenant_id, "mailbox_id": MBX, "run": warmup.run, **extra}

    def warmup(self) -> Warmup:
        found = self.warmups.get(CTX.tenant_id, MBX)
        assert found is not None
        return found

    def run_day(self, bounced: int = 0, counts: dict[str, int] | None = None) -> dict[str, Any]:
        """One day as the state machine runs it: open, send, the day passes, all settled
        (``bounced`` of them bounced), settle, close."""
        opened = day.open_day(self.ports, self.event())
        sent = day.send_day(self.ports, self.event(on=opened["on"]))["sent"]
        self.clock.advance(opened["wait_seconds"])
        self.sender.deliver(CTX.tenant_id, bounced, MBX)
        if counts:
            self.pool.counts[(CTX.tenant_id, MBX, opened["on"])] = counts
        settled = day.settle_day(self.ports, self.event(on=opened["on"], sent=sent, polls=0))
        assert settled["settled"] is True
        return day.close_day(self.ports, self.event(on=opened["on"], sent=sent))


@pytest.fixture
def world() -> World:
    return World()


def test_a_day_sends_the_plans_volume_inside_its_window_never_to_itself(world: World) -> None:
    warmup = world.start()
    opened = day.open_day(world.ports, world.event())
    assert opened == {
        "open": True,
        "on": "2026-03-02",
        "day": 0,
        "target": volume("standard", 0),
        "wait_seconds": DAY,
    }
    sent = day.send_day(world.ports, world.event(on=opened["on"]))
    sends = world.sender.of(CTX.tenant_id, MBX)
    assert sent == {"sent": volume("standard", 0)} and len(sends) == volume("standard", 0)
    # to the pool's other tenants only, never to itself
    assert {s.to for s in sends} <= {
        "mbx_b1@example.test",
        "mbx_b2@example.test",
        "mbx_c1@example.test",
    }
    # scheduled inside the sending window: the day's first two thirds
    window_end = START + timedelta(seconds=DAY * 2 / 3)
    times = [parse_iso(s.scheduled_at or "") for s in sends]
    assert all(START <= t < window_end for t in times), times
    assert all((s.warmup_on, s.warmup_day) == ("2026-03-02", 0) for s in sends)
    assert len({s.subject + s.text for s in sends}) == len(sends)  # never identical twice
    # and the mailbox got the day's target
    assert world.mailboxes.targets[(CTX.tenant_id, MBX)] == warmup.target


def test_a_rerun_of_the_day_sends_nothing_new(world: World) -> None:
    world.start()
    opened = day.open_day(world.ports, world.event())
    day.send_day(world.ports, world.event(on=opened["on"]))
    first = dict(world.sender.messages)
    # the task runs again (a retry, or a resumed run on the same day), later in the day
    world.clock.advance(100)
    again = day.open_day(world.ports, world.event())
    day.send_day(world.ports, world.event(on=again["on"]))
    assert again["on"] == opened["on"]
    assert world.sender.messages == first


def test_settling_waits_for_every_message_then_gives_up_after_a_quarter_day(world: World) -> None:
    world.start()
    opened = day.open_day(world.ports, world.event())
    sent = day.send_day(world.ports, world.event(on=opened["on"]))["sent"]
    ask = world.event(on=opened["on"], sent=sent)
    polled = day.settle_day(world.ports, {**ask, "polls": 0})
    assert polled == {"settled": False, "polls": 1, "wait_seconds": DAY // 48}
    # the bound: the last allowed poll closes the day with what is known
    last = day.settle_day(world.ports, {**ask, "polls": world.ports.settle_polls - 1})
    assert last["settled"] is True
    assert world.ports.settle_polls * (DAY // 48) <= DAY / 4
    assert world.ports.settle_polls == day.SETTLE_POLLS  # a poll every 1/48 day, 12 of them


def test_a_longer_settle_bound_polls_less_often_within_it() -> None:
    from dataclasses import replace

    ports = day.DayPorts(None, None, None, None, None, 20, settle_seconds=180)  # type: ignore[arg-type]
    assert (ports.settle_wait, ports.settle_polls) == (7, 25)  # 175 s of 180
    deployed = replace(ports, day_seconds=86400, settle_seconds=0)
    assert (deployed.settle_wait, deployed.settle_polls) == (1800, 12)


def test_a_clean_day_increases_and_the_mailbox_gets_tomorrows_target(world: World) -> None:
    world.start()
    counts = {"inbox": 8, "spam": 2, "opened": 6, "clicked": 0, "replied": 1}
    closed = world.run_day(counts=counts)
    warmup = world.warmup()
    assert closed == {"status": "warming"}
    assert (warmup.day, warmup.target) == (1, volume("standard", 1))
    entry = warmup.history[0]
    assert entry.decision is not None and entry.decision.action == "increase"
    assert (entry.stats.sent, entry.stats.bounced, entry.stats.inbox, entry.stats.spam) == (
        10,
        0,
        8,
        2,
    )
    assert (entry.stats.opened, entry.stats.replied) == (6, 1)
    # the next day is the next calendar label, whatever the wall clock says
    assert warmup.today is not None and warmup.today.on == "2026-03-03"
    assert world.mailboxes.targets[(CTX.tenant_id, MBX)] == volume("standard", 1)
    # the decision went out with the change
    assert [e["type"] for e in world.warmups.events] == ["warmup.decision"]
    assert world.warmups.events[0]["action"] == "increase"


def at_day(world: World, warmup_day: int, target: int) -> None:
    entry = records.DayEntry("2026-03-02", warmup_day, target)
    world.warmups.save(replace(world.warmup(), day=warmup_day, target=target, history=(entry,)))


@pytest.mark.parametrize(
    ("target", "bounced", "action", "next_day"),
    [
        (40, 1, "hold", 3),  # 2.5 %: at or above the 2 % gate
        (25, 1, "step_back", 2),  # 4 %: at or above twice the gate
    ],
)
def test_a_day_at_a_gate_holds_or_steps_back_and_the_mailbox_follows(
    world: World, target: int, bounced: int, action: str, next_day: int
) -> None:
    world.start()
    at_day(world, 3, target)
    world.run_day(bounced=bounced)
    warmup = world.warmup()
    decision = warmup.history[0].decision
    assert decision is not None and decision.action == action
    assert (warmup.status, warmup.day, warmup.target) == (
        "warming",
        next_day,
        volume("standard", next_day),
    )
    assert world.mailboxes.targets[(CTX.tenant_id, MBX)] == volume("standard", next_day)


def test_a_day_over_the_pause_threshold_pauses_the_warmup_and_the_mailbox(world: World) -> None:
    world.start()
    closed = world.run_day(bounced=3)  # 3 of 10: 30 %
    warmup = world.warmup()
    assert closed == {"status": "paused"} and warmup.status == "paused"
    assert warmup.status_reason and "bounce rate" in warmup.status_reason
    assert world.mailboxes.status[(CTX.tenant_id, MBX)] == "paused"
    assert world.mailboxes.pause_reasons[(CTX.tenant_id, MBX)] == warmup.status_reason
    # and the next run's open finds nothing to do
    assert day.open_day(world.ports, world.event())["open"] is False


def test_closing_the_same_day_again_changes_nothing(world: World) -> None:
    world.start()
    opened = day.open_day(world.ports, world.event())
    sent = day.send_day(world.ports, world.event(on=opened["on"]))["sent"]
    world.sender.deliver(CTX.tenant_id)
    day.close_day(world.ports, world.event(on=opened["on"], sent=sent))
    before = world.warmup()
    again = day.close_day(world.ports, world.event(on=opened["on"], sent=sent))
    assert again == {"status": "warming"} and world.warmup() == before
    assert len(world.warmups.events) == 1


def test_the_plans_last_day_completes_and_hands_the_mailbox_over(world: World) -> None:
    world.start()
    end = last_day("standard")
    target = volume("standard", end)
    # many pool members, so the day can send its full volume
    world.pool.members += [PoolMember("ten_d", f"mbx_d{i}", f"d{i}@example.test") for i in range(9)]
    world.warmups.save(
        replace(
            world.warmup(),
            day=end,
            target=target,
            history=(records.DayEntry("2026-04-13", end, target),),
        )
    )
    closed = world.run_day()
    assert closed == {"status": "completed"}
    assert day.hand_over(world.ports, world.event()) == {"handed_over": True, "daily_cap": 500}
    assert world.mailboxes.status[(CTX.tenant_id, MBX)] == "active"
    assert world.mailboxes.caps[(CTX.tenant_id, MBX)] == 500


def test_a_paused_warmup_sends_nothing_and_its_day_stays_open(world: World) -> None:
    world.start()
    opened = day.open_day(world.ports, world.event())
    ports = WarmupPorts(world.warmups, world.mailboxes, world.workflow, world.clock)
    service.pause(ports, CTX, MBX)
    assert day.send_day(world.ports, world.event(on=opened["on"])) == {"sent": 0}
    assert day.close_day(world.ports, world.event(on=opened["on"], sent=0)) == {"status": "paused"}
    assert world.warmup().today is not None  # resumed, the same day goes on
    assert world.sender.messages == {}


def test_a_deleted_mailbox_stops_its_warmup_at_the_next_day(world: World) -> None:
    world.start()
    del world.mailboxes.status[(CTX.tenant_id, MBX)]  # deleted, e.g. by a server's rollback
    assert day.open_day(world.ports, world.event())["open"] is False
    assert world.warmup().status == "stopped"
    assert world.warmup().status_reason == "the mailbox was deleted"
    assert world.sender.messages == {}


def test_an_older_run_does_nothing_once_a_newer_one_owns_the_warmup(world: World) -> None:
    world.start()
    old = world.event()
    ports = WarmupPorts(world.warmups, world.mailboxes, world.workflow, world.clock)
    service.pause(ports, CTX, MBX)
    service.resume(ports, CTX, MBX)  # run 2
    assert world.warmup().run == old["run"] + 1
    assert day.open_day(world.ports, old)["open"] is False
    assert day.send_day(world.ports, {**old, "on": "2026-03-02"}) == {"sent": 0}
    assert day.close_day(world.ports, {**old, "on": "2026-03-02", "sent": 0}) == {
        "status": "superseded"
    }
    # while the new run works on the same day
    assert day.open_day(world.ports, world.event())["on"] == "2026-03-02"


def test_a_resumed_warmup_paused_by_the_gates_opens_the_next_calendar_day(world: World) -> None:
    world.start()
    world.run_day(bounced=3)
    ports = WarmupPorts(world.warmups, world.mailboxes, world.workflow, world.clock)
    world.mailboxes.status[(CTX.tenant_id, MBX)] = "warming"
    service.resume(ports, CTX, MBX)
    opened = day.open_day(world.ports, world.event())
    assert (opened["on"], opened["day"], opened["target"]) == ("2026-03-03", 0, 10)


def test_a_message_still_deferred_at_the_close_counts_as_deferred(world: World) -> None:
    world.start()
    opened = day.open_day(world.ports, world.event())
    sent = day.send_day(world.ports, world.event(on=opened["on"]))["sent"]
    world.sender.deliver(CTX.tenant_id)
    first = day.message_id(world.ports, world.warmup(), opened["on"], 0)
    world.sender.outcome(CTX.tenant_id, first, WarmupOutcome("deferred", False, deferred=True))
    day.close_day(world.ports, world.event(on=opened["on"], sent=sent))
    stats = world.warmup().history[0].stats
    assert (stats.sent, stats.deferred) == (10, 1)


class RacingWarmups(FakeWarmups):
    """Another writer saves the warm-up just before the first save of a task: that save is
    stale (the task must re-read and try again)."""

    def __init__(self) -> None:
        super().__init__()
        self.race = False

    def save(self, warmup: Warmup, events: Any = ()) -> Warmup:
        if self.race:
            self.race = False
            current = self.items[(warmup.tenant_id, warmup.mailbox_id)]
            super().save(replace(current, updated_at="2026-03-02T10:00:00.000Z"))
        return super().save(warmup, events)


def test_a_stale_save_at_the_close_rereads_and_decides_once(world: World) -> None:
    racing = RacingWarmups()
    world.warmups = racing
    world.ports.warmups = racing
    world.start()
    opened = day.open_day(world.ports, world.event())
    sent = day.send_day(world.ports, world.event(on=opened["on"]))["sent"]
    world.sender.deliver(CTX.tenant_id)
    racing.race = True
    closed = day.close_day(world.ports, world.event(on=opened["on"], sent=sent))
    assert closed == {"status": "warming"} and racing.race is False
    assert world.warmup().day == 1
    assert [e["type"] for e in racing.events] == ["warmup.decision"]
