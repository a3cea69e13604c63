"""The real warm-up state machine (``warmup.asl.json``) on the emulator's own Step Functions
engine, its tasks run in-process by the real ``functions.warmup`` handlers over fake ports
(the provider ``warmup.day_ports``) with a two-second day: the run loops day after day on
the calendar, waits for the day's mail to settle, follows the gates (a bad day pauses the
warm-up and the mailbox and ends the run), a completed plan hands the mailbox over, and a
paused warm-up's run ends without sending."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.core import wiring
from chalicelib.core.tenancy import system_context
from chalicelib.warmup import records, service
from chalicelib.warmup.day import DayPorts
from chalicelib.warmup.partners import PoolMember
from chalicelib.warmup.ports import WarmupOutcome
from chalicelib.warmup.records import Warmup
from chalicelib.warmup.rules import last_day, volume
from chalicelib.warmup.service import WarmupPorts
from chalicelib.warmup.workflow import StepFunctionsWorkflow
from infrastructure.local import stepfunctions as sf
from infrastructure.local.emulator import Emulator
from tests.fakes.core import FakeClock
from tests.fakes.warmup import FakeMailboxes, FakePool, FakeSender, FakeWarmups, RecordingWorkflow
from tests.integration.platform.test_state_machines import StepFunctionsOnly

DAY_SECONDS = 2
CTX = system_context("ten_a", "business")


class SlowSender(FakeSender):
    """Each day's mail is still queued at the first settle poll and settled at the next;
    ``bounces`` says how many of each day's messages bounce (by day label)."""

    def __init__(self) -> None:
        super().__init__()
        self.bounces: dict[str, int] = {}
        self.polls = 0

    def outcomes(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, WarmupOutcome]:
        self.polls += 1
        found = super().outcomes(tenant_id, message_ids)
        if any(not o.settled for o in found.values()):
            on = next(s.warmup_on for (t, m), s in self.messages.items() if m in found)
            self.deliver(tenant_id, self.bounces.get(on, 0))
        return found


class World:
    def __init__(self, mailbox_id: str) -> None:
        self.mailbox_id = mailbox_id
        self.clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        self.warmups = FakeWarmups()
        self.pool = FakePool(self.warmups)
        self.mailboxes = FakeMailboxes()
        self.sender = SlowSender()
        self.mailboxes.add(CTX.tenant_id, mailbox_id, address="anna@acme.test")
        for i in range(12):
            self.pool.members.append(PoolMember("ten_b", f"mbx_b{i}", f"b{i}@example.test"))
        self.day_ports = DayPorts(
            self.warmups, self.pool, self.mailboxes, self.sender, self.clock, DAY_SECONDS
        )
        self.service = WarmupPorts(self.warmups, self.mailboxes, RecordingWorkflow(), self.clock)

    def start(self) -> Warmup:
        return service.start(self.service, CTX, self.mailbox_id, "standard", True)

    def warmup(self) -> Warmup:
        found = self.warmups.get(CTX.tenant_id, self.mailbox_id)
        assert found is not None
        return found


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    saved = os.environ.get("MOTO_PORT")
    running = StepFunctionsOnly(port=0)
    running.start()
    yield running
    running.stop()
    if saved is None:
        os.environ.pop("MOTO_PORT", None)
    else:
        os.environ["MOTO_PORT"] = saved


@pytest.fixture
def machine(emulator: Emulator) -> str:
    # the template's handlers, as the local platform runs them
    return sf.create_state_machines(emulator, 60.0, sf.LambdaRegistry())["WarmupStateMachine"]


@pytest.fixture
def world(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from chalicelib.core.settings import reset_settings

    # the handlers' logs read the settings (no resource is used: the ports are fakes)
    required = (
        "PM_EVENTS_STREAM",
        "PM_BUCKET",
        "PM_NOTIFICATIONS_QUEUE_URL",
        "PM_ADMIN_KEY_SECRET",
    )
    for name in required:
        monkeypatch.setenv(name, "unused")
    monkeypatch.setenv("PM_STAGE", "local")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    reset_settings()
    made = World(f"mbx_{request.node.name[-20:]}")
    wiring.override("warmup.day_ports", made.day_ports)
    yield made
    wiring.reset()
    reset_settings()


def run(emulator: Emulator, arn: str, warmup: Warmup) -> dict[str, Any]:
    """Start the run's execution (the real workflow adapter) and wait for its end (a guard,
    not a time limit)."""
    sfn = emulator.client("stepfunctions")
    StepFunctionsWorkflow(sfn, arn).start(warmup)
    execution = f"{arn.replace(':stateMachine:', ':execution:')}:{warmup.mailbox_id}-r{warmup.run}"
    for _ in range(1500):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.1)
    raise AssertionError(f"execution {execution} never ended")


def test_the_run_loops_day_by_day_until_a_bad_day_pauses_it(emulator, machine, world):
    # given a warm-up whose third day's bounces are forced over 5 %
    world.start()
    third = "2026-03-04"
    world.sender.bounces[third] = 5
    # when its run executes on the engine
    done = run(emulator, machine, world.warmup())
    # then it went through three calendar days, each at the plan's volume, and ended
    assert done["status"] == "SUCCEEDED", done
    warmup = world.warmup()
    labels = [(e.on, e.day, e.target) for e in warmup.history]
    assert labels == [
        ("2026-03-02", 0, volume("standard", 0)),
        ("2026-03-03", 1, volume("standard", 1)),
        (third, 2, volume("standard", 2)),
    ]
    actions = [e.decision.action for e in warmup.history if e.decision]
    assert actions == ["increase", "increase", "pause"]
    sent = {on: 0 for on, _, _ in labels}
    for send in world.sender.messages.values():
        sent[send.warmup_on] += 1
    assert sent == {on: target for on, _, target in labels}
    # each day waited for its mail to settle (a second poll) before closing
    assert world.sender.polls >= 6
    # and the pause reached the mailbox, with the reason
    assert warmup.status == "paused"
    key = (CTX.tenant_id, world.mailbox_id)
    assert world.mailboxes.status[key] == "paused"
    assert "bounce rate" in world.mailboxes.pause_reasons[key]
    assert [e["action"] for e in world.warmups.events] == actions


def test_the_plans_last_day_hands_the_mailbox_over(emulator, machine, world):
    world.start()
    end = last_day("standard")
    entry = records.DayEntry("2026-04-13", end, volume("standard", end))
    world.warmups.save(replace(world.warmup(), day=end, target=entry.target, history=(entry,)))
    done = run(emulator, machine, world.warmup())
    assert done["status"] == "SUCCEEDED", done
    assert world.warmup().status == "completed"
    key = (CTX.tenant_id, world.mailbox_id)
    assert (world.mailboxes.status[key], world.mailboxes.caps[key]) == ("active", 500)


def test_a_paused_warmups_run_ends_without_sending(emulator, machine, world):
    world.start()
    paused = service.pause(world.service, CTX, world.mailbox_id)
    done = run(emulator, machine, paused)
    assert done["status"] == "SUCCEEDED", done
    assert world.sender.messages == {}
