"""The plan send rate: the pure decision (``rules.send_rate``) and the send worker's use of
it over in-memory twins — a tenant's messages leave no faster than its plan, the others wait
on the queue without a write, an attempt or a status change, and none is dropped."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.sending.rules import send_rate
from tests.fakes.core import FakeClock
from tests.fakes.sending import memory_world, run_batch
from tests.fakes.smtp import SmtpSink

# --- the rule ---------------------------------------------------------------------------


def test_the_plans_rates_and_an_unknown_plan_gets_the_smallest():
    assert [send_rate.send_rate(p) for p in ("starter", "professional", "business")] == [
        10,
        30,
        100,
    ]
    assert send_rate.send_rate("enterprise") == 300
    assert send_rate.send_rate("nope") == 10


def test_a_batch_under_the_rate_goes_whole():
    assert send_rate.pace(10, 4, 4) == send_rate.Pacing(4, ())


def test_the_slots_left_in_the_window_go_and_the_rest_waits_at_least_a_second():
    pacing = send_rate.pace(10, 5, 12, jitter=lambda: 0.0)  # 7 were reserved before
    assert pacing.granted == 3
    assert pacing.delays == (1, 1)


def test_a_full_window_grants_nothing_and_the_wait_grows_with_the_position():
    pacing = send_rate.pace(10, 10, 60, jitter=lambda: 0.0)  # positions 50..59
    assert pacing.granted == 0
    assert pacing.delays == (5,) * 10
    assert send_rate.wait_for(95, 10, 0.0) == 9


def test_jitter_spreads_waits_by_at_most_half_again_and_900_seconds_is_the_cap():
    assert send_rate.wait_for(10, 10, 0.999) == 2  # 1 second ahead: 1 or 2
    assert send_rate.wait_for(100, 10, 0.999) == 15  # 10 seconds ahead: 10 to 15
    assert send_rate.wait_for(100_000, 10, 0.5) == 900


def test_over_reservations_still_count_so_later_batches_wait_longer():
    first = send_rate.pace(10, 10, 20, jitter=lambda: 0.0)
    later = send_rate.pace(10, 10, 40, jitter=lambda: 0.0)
    assert max(first.delays) < min(later.delays)


# --- the send worker --------------------------------------------------------------------


@pytest.fixture
def sink():
    return SmtpSink()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def world(sink, clock):
    world = memory_world(sink.factory, clock)
    starter = replace(world.tenant, plan="starter")  # 10 a second
    world.ports.tenants.items[starter.tenant_id] = starter
    return world


def test_a_starter_tenant_sends_ten_in_a_second_and_the_rest_wait_unchanged(world, sink):
    # given: 25 queued messages of a starter tenant, one deferred once already
    messages = [world.message(f"lead{n}@example.test") for n in range(24)]
    messages.append(world.message("again@example.test", status="deferred", attempts=1))
    before = {m.message_id: world.messages.get(m.tenant_id, m.message_id) for m in messages}
    # when: they come in batches of ten within one second
    outcomes = [o for start in (0, 10, 20) for o in run_batch(world, *messages[start : start + 10])]
    # then: ten were sent, the other fifteen went back on the queue with a delay
    assert outcomes.count("sent") == 10 and outcomes.count("rate_limited") == 15
    assert len(sink.accepted) == 10
    waiting = [m for m, o in zip(messages, outcomes, strict=True) if o == "rate_limited"]
    requeued = {job[1]: job[2] for queue, job in world.queues.jobs if queue == "priority"}
    assert set(requeued) == {m.message_id for m in waiting}
    assert all(1 <= delay <= 900 for delay in requeued.values())
    # and: waiting wrote nothing to them: same status, attempts, timeline; no event
    for message in waiting:
        assert (
            world.messages.get(message.tenant_id, message.message_id) == before[message.message_id]
        )
    assert world.events.types().count("message.sending") == 10
    assert len(world.events.types()) == 20  # sending + sent for the ten, nothing else


def test_the_waiting_messages_go_in_the_next_seconds_and_none_is_dropped(world, sink, clock):
    # given: 25 messages, sent in batches of ten as the worker would
    messages = {m.message_id: m for m in (world.message(f"p{n}@example.test") for n in range(25))}
    pending, sent_per_second = list(messages.values()), []
    # when: each second, the worker takes what came back on the queue
    for _ in range(10):
        if not pending:
            break
        sent = 0
        for start in range(0, len(pending), 10):
            sent += run_batch(world, *pending[start : start + 10]).count("sent")
        sent_per_second.append(sent)
        due = {job[1] for _, job in world.queues.jobs}
        world.queues.jobs.clear()
        pending = [messages[i] for i in due]
        clock.advance(1)
    # then: never more than the plan's ten a second, and every message was sent once
    assert max(sent_per_second) == 10 and sum(sent_per_second) == 25
    assert len(sink.accepted) == 25 and not pending


def test_final_and_scheduled_messages_take_no_slot(world, sink, clock):
    done = [world.message(f"done{n}@example.test", status="sent") for n in range(10)]
    later = world.message(
        "later@example.test", scheduled_at="2026-11-28T13:00:00.000Z"
    )  # an hour from the fake clock's now
    assert run_batch(world, *done, later) == ["duplicate"] * 10 + ["scheduled"]
    fresh = [world.message(f"fresh{n}@example.test") for n in range(10)]
    assert run_batch(world, *fresh) == ["sent"] * 10
