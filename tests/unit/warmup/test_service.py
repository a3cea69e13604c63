"""The warm-up use cases over fakes: start (the mailbox goes warming, the workflow starts),
read, and the pause / resume / stop transitions with their 409s."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.tenancy import system_context
from chalicelib.warmup import service
from chalicelib.warmup.records import DayEntry
from chalicelib.warmup.rules import DayStats, decide
from chalicelib.warmup.service import WarmupPorts
from tests.fakes.core import FakeClock
from tests.fakes.warmup import FakeMailboxes, FakeWarmups, RecordingWorkflow

CTX = system_context("ten_a", "business")
OTHER = system_context("ten_b", "business")
MBX = "mbx_1"


@pytest.fixture
def ports() -> WarmupPorts:
    mailboxes = FakeMailboxes()
    mailboxes.add(CTX.tenant_id, MBX)
    clock = FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    return WarmupPorts(FakeWarmups(), mailboxes, RecordingWorkflow(), clock)


def test_start_warms_the_mailbox_and_starts_the_workflow(ports: WarmupPorts) -> None:
    warmup = service.start(ports, CTX, MBX, "standard", True)
    assert (warmup.status, warmup.day, warmup.target, warmup.pool) == ("warming", 0, 10, True)
    assert warmup.today == DayEntry("2026-03-02", 0, 10)
    assert ports.mailboxes.status[(CTX.tenant_id, MBX)] == "warming"
    assert ports.mailboxes.plans[(CTX.tenant_id, MBX)] == ("standard", "2026-03-02")
    assert ports.workflow.calls == [("start", CTX.tenant_id, MBX)]


def test_another_tenants_mailbox_is_not_found(ports: WarmupPorts) -> None:
    with pytest.raises(NotFound):
        service.start(ports, OTHER, MBX, "standard", True)
    with pytest.raises(NotFound):
        service.find(ports, OTHER, MBX)
    assert ports.workflow.calls == []


def test_starting_twice_is_a_conflict(ports: WarmupPorts) -> None:
    service.start(ports, CTX, MBX, "standard", True)
    with pytest.raises(Conflict, match="already warming"):
        service.start(ports, CTX, MBX, "aggressive", False)
    service.pause(ports, CTX, MBX)
    with pytest.raises(Conflict, match="already warming"):
        service.start(ports, CTX, MBX, "aggressive", False)


def test_a_paused_mailbox_is_not_warmed(ports: WarmupPorts) -> None:
    ports.mailboxes.add(CTX.tenant_id, "mbx_2", "paused")
    with pytest.raises(Conflict, match="paused"):
        service.start(ports, CTX, "mbx_2", "standard", True)
    assert ports.warmups.get(CTX.tenant_id, "mbx_2") is None


def test_pause_resume_stop(ports: WarmupPorts) -> None:
    service.start(ports, CTX, MBX, "conservative", False)
    paused = service.pause(ports, CTX, MBX)
    assert (paused.status, paused.status_reason) == ("paused", "paused by the tenant")
    resumed = service.resume(ports, CTX, MBX)
    assert (resumed.status, resumed.status_reason) == ("warming", None)
    stopped = service.stop(ports, CTX, MBX)
    assert stopped.status == "stopped"
    assert ports.mailboxes.status[(CTX.tenant_id, MBX)] == "active"
    assert [c[0] for c in ports.workflow.calls] == ["start", "start", "stop"]


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ((), "resume"),  # warming cannot resume
        (("pause",), "pause"),
        (("stop",), "pause"),
        (("stop",), "resume"),
        (("stop",), "stop"),
    ],
)
def test_wrong_transitions_are_conflicts(
    ports: WarmupPorts, setup: tuple[str, ...], action: str
) -> None:
    service.start(ports, CTX, MBX, "standard", True)
    for step in setup:
        getattr(service, step)(ports, CTX, MBX)
    before = ports.warmups.get(CTX.tenant_id, MBX)
    with pytest.raises(Conflict):
        getattr(service, action)(ports, CTX, MBX)
    assert ports.warmups.get(CTX.tenant_id, MBX) == before


def test_a_stopped_warmup_can_start_again(ports: WarmupPorts) -> None:
    service.start(ports, CTX, MBX, "standard", True)
    service.stop(ports, CTX, MBX)
    again = service.start(ports, CTX, MBX, "aggressive", False)
    assert (again.status, again.plan, again.day, again.target) == ("warming", "aggressive", 0, 20)


def test_transitions_without_a_warmup_are_not_found(ports: WarmupPorts) -> None:
    for action in ("pause", "resume", "stop", "find"):
        with pytest.raises(NotFound):
            getattr(service, action)(ports, CTX, MBX)


def test_the_public_view_shows_today_rates_and_the_last_decision(ports: WarmupPorts) -> None:
    warmup = service.start(ports, CTX, MBX, "standard", True)
    yesterday = DayStats(sent=20, deferred=1)  # 5 %: at the threshold
    today = DayStats(sent=8, bounced=2, inbox=3, spam=1)
    view = service.to_public(
        replace(
            warmup,
            day=0,
            history=(
                DayEntry("2026-03-01", 0, 10, yesterday, decide("standard", 0, yesterday)),
                DayEntry("2026-03-02", 0, 10, today),
            ),
        )
    )
    assert view["today"]["on"] == "2026-03-02"
    assert (view["today"]["target"], view["today"]["sent"]) == (10, 8)
    assert view["today"]["bounce_rate"] == 0.25
    assert view["today"]["inbox_rate"] == 0.75
    assert view["last_decision"]["action"] == "hold"
    assert "deferral rate" in view["last_decision"]["reason"]
    assert view["last_day"] == 42
    assert len(view["history"]) == 2


def _warming(ports: WarmupPorts):
    return service.start(ports, CTX, MBX, "standard", True)


def test_closing_a_clean_day_opens_the_next_on_the_next_plan_day(ports: WarmupPorts) -> None:
    from datetime import date

    from chalicelib.warmup.records import close_day
    from tests.integration.event_contract import event_problems

    stats = DayStats(sent=10, inbox=9, spam=1)
    changed, event = close_day(_warming(ports), stats, date(2026, 3, 3), "2026-03-02T23:59:00.000Z")
    assert (changed.status, changed.day, changed.target) == ("warming", 1, 21)
    assert changed.history[0].stats == stats and changed.history[0].decision.action == "increase"
    assert changed.today == DayEntry("2026-03-03", 1, 21)
    assert (event["type"], event["action"], event["on"], event["day"]) == (
        "warmup.decision",
        "increase",
        "2026-03-02",
        0,
    )
    assert event["inputs"]["sent"] == 10
    assert event_problems({**event, "tenant_id": "ten_" + "a" * 20, "mailbox_id": "mbx_abc"}) == []


def test_closing_a_bad_day_pauses_with_the_reason(ports: WarmupPorts) -> None:
    from datetime import date

    from chalicelib.warmup.records import close_day

    changed, event = close_day(
        _warming(ports), DayStats(sent=100, bounced=6), date(2026, 3, 3), "2026-03-02T23:59:00.000Z"
    )
    assert (changed.status, changed.day) == ("paused", 0)
    assert "bounce rate 6.00%" in changed.status_reason
    assert changed.today is None and event["action"] == "pause"
    with pytest.raises(Conflict):
        close_day(changed, DayStats(), date(2026, 3, 4), "2026-03-03T23:59:00.000Z")
