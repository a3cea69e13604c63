"""The local platform's fault switches (``infrastructure/local/faults.py``) on their own:
parameters, the duplicate draw, the killed invocation and the slow spell's end."""

from __future__ import annotations

import asyncio

import pytest

from infrastructure.local.faults import Faults, InvocationCrashed, _KillableSender

SEND_WORKER = "functions.send_worker.handler"


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Sender:
    def __init__(self) -> None:
        self.sent = 0
        self.closed = False

    async def send(self, envelope, claim=None):
        self.sent += 1
        return f"result {self.sent}"

    async def close(self):
        self.closed = True


def test_unknown_faults_and_parameters_are_refused():
    faults = Faults()
    with pytest.raises(KeyError):
        faults.set("disk_full", True)
    with pytest.raises(KeyError):
        faults.set("aws_slow", True, speed=3)
    with pytest.raises(ValueError):
        faults.set("worker_kill", True, times="twice")


def test_duplicates_follow_the_rate_and_are_counted():
    faults = Faults()
    assert not faults.duplicate_batch()  # off
    faults.set("sqs_duplicate", True, rate=1.0)
    assert faults.duplicate_batch() and faults.duplicate_batch()
    faults.set("sqs_duplicate", True, rate=0.0)
    assert not faults.duplicate_batch()
    assert faults.state()["injected"]["sqs_duplicate"] == 2


def test_a_killed_invocation_dies_after_its_sends_and_the_pump_sees_a_crash():
    # given one kill armed, after two SMTP transactions
    faults = Faults()
    faults.set("worker_kill", True, times=1, after_sends=2)
    inner = _Sender()
    sender = _KillableSender(inner)
    outcomes: list[str] = []

    async def batch() -> None:
        for _ in range(4):
            outcomes.append(await sender.send(None))
        await sender.close()

    # when the send worker's invocation runs the batch
    with pytest.raises(InvocationCrashed):
        faults.invoke(SEND_WORKER, lambda: asyncio.run(batch()))

    # then the first result came back, the second was sent but never returned, nothing more
    # was sent, the connections were not closed politely, and the fault is used up
    assert outcomes == ["result 1"] and inner.sent == 2 and not inner.closed
    assert faults.state()["on"] == [] and faults.state()["injected"]["worker_kill"] == 1
    # and the next invocation (or another function) runs normally
    assert faults.invoke(SEND_WORKER, lambda: asyncio.run(sender.send(None))) == "result 3"


def test_other_functions_are_never_killed():
    faults = Faults()
    faults.set("worker_kill", True, times=1, after_sends=1)
    sender = _KillableSender(_Sender())
    assert faults.invoke("functions.notifier.handler", lambda: asyncio.run(sender.send(None)))
    assert faults.state()["on"] == ["worker_kill"]


def test_the_slow_spell_delays_requests_until_it_ends():
    clock = _Clock()
    faults = Faults(clock)
    faults.set("aws_slow", True, seconds=5, delay=0.25)
    assert faults.aws_delay() == 0.25
    clock.now += 5
    assert faults.aws_delay() == 0.0 and faults.state()["on"] == []
    assert faults.state()["injected"]["aws_slow"] == 1
