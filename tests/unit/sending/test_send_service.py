"""The send path against in-memory twins: guards, claim, outcomes, retries, suppression,
the crash window and scheduling. The real stores and SMTP are in the functional and
integration tiers."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from tests.fakes.core import FakeClock
from tests.fakes.sending import memory_world, run_batch
from tests.fakes.smtp import SmtpSink


@pytest.fixture
def sink():
    return SmtpSink()


@pytest.fixture
def world(sink):
    return memory_world(sink.factory, FakeClock())


def _stored(world, message):
    return world.messages.get(message.tenant_id, message.message_id)


def test_an_accepted_message_is_sent_with_its_transitions_as_events(world, sink):
    message = world.message("lead@example.test")
    assert run_batch(world, message) == ["sent"]
    stored = _stored(world, message)
    assert [e["status"] for e in stored.timeline] == ["queued", "sending", "sent"]
    assert stored.timeline[-1]["smtp_code"] == 250
    assert world.events.types() == ["message.sending", "message.sent"]
    assert sink.count("lead@example.test") == 1


def test_a_hard_bounce_suppresses_the_recipient_at_once(world, sink):
    message = world.message("gone@example.test")
    sink.script("gone@example.test", "550 5.1.1 no such user")
    assert run_batch(world, message) == ["bounced"]
    assert world.suppressions.check([(message.tenant_id, "GONE@example.test")])
    assert "recipient.suppressed" in world.events.types()
    again = world.message("gone@example.test")
    assert run_batch(world, again) == ["suppressed"]
    assert _stored(world, again).timeline[-1]["step"] == "hold_if_suppressed"


def test_a_deferral_requeues_with_backoff_and_the_last_attempt_fails_to_the_dlq(world, sink):
    message = world.message("later@example.test", attempts=7, status="deferred")
    sink.script("later@example.test", "451 4.7.1 later")
    assert run_batch(world, message) == ["failed"]
    assert world.queues.dead_letters == [
        ("priority", (message.tenant_id, message.message_id), "failed")
    ]
    early = world.message("early@example.test")
    sink.script("early@example.test", "451 4.7.1 later")
    assert run_batch(world, early) == ["deferred"]
    assert world.queues.jobs[-1] == ("priority", (early.tenant_id, early.message_id, 0))


def test_a_message_stuck_sending_after_its_lease_fails_as_unknown_and_is_not_resent(world, sink):
    message = world.message("lost@example.test")
    claimed = replace(message, status="sending", attempts=1)
    world.messages.items[(message.tenant_id, message.message_id)] = (claimed, 1)  # lease over
    assert run_batch(world, message) == ["failed"]
    assert _stored(world, message).timeline[-1]["reason"] == "outcome_unknown"
    assert sink.sends == 0


def _crash_then_redeliver(world, sink, messages):
    from tests.fakes.smtp import WorkerCrash

    with pytest.raises(WorkerCrash):
        run_batch(world, *messages)
    claimed = {m.to for m in messages if _stored(world, m).status == "sending"}
    sink.dead = False  # a new worker process
    world.ports.clock.advance(world.ports.lease_seconds + 1)  # the leases run out
    run_batch(world, *messages)  # SQS delivers the whole batch again
    return claimed


def test_a_worker_that_dies_mid_batch_marks_only_the_messages_on_its_connections(world, sink):
    # given: ten messages in one batch over two connections; the worker dies while the
    # fifth message's DATA is on the wire
    batch = [world.message(f"lead{n}@example.test") for n in range(10)]
    sink.script("lead4@example.test", "crash-before")
    # when
    claimed_at_crash = _crash_then_redeliver(world, sink, batch)
    # then: the claimed ones held a connection (on the wire, or handed over and their reply
    # not yet written), one of each per connection at most; only they end unknown, and
    # every other message went out exactly once
    assert "lead4@example.test" in claimed_at_crash
    assert claimed_at_crash <= set(sink.connected)
    assert len(claimed_at_crash) <= 2 * sink.connections
    stored = {m.to: _stored(world, m) for m in batch}
    unknown = {to for to, m in stored.items() if m.status == "failed"}
    assert unknown == claimed_at_crash
    assert all(stored[to].timeline[-1]["reason"] == "outcome_unknown" for to in unknown)
    for to in set(stored) - unknown:
        assert stored[to].status == "sent" and sink.count(to) == 1, to
    assert len(unknown) < len(batch) / 2


def test_a_message_waiting_for_a_connection_is_not_claimed(world, sink):
    # given: a sender with one connection and two messages
    sink.connections = 1
    first, second = world.message("a@example.test"), world.message("b@example.test")
    claims: list[tuple[str, int]] = []  # who was claimed, and how many had reached the server
    real = world.ports.messages.transition

    def watch(message, expect, attempts, lease_until=0, events=()):
        if message.status == "sending":
            claims.append((message.to, len(sink.started)))
        return real(message, expect, attempts, lease_until, events)

    world.ports.messages.transition = watch
    # when
    assert run_batch(world, first, second) == ["sent", "sent"]
    # then: the second claim came only once the first message had been handed over (the
    # connection was free again), never both up front
    assert sorted(n for _, n in claims) == [0, 1]
    assert len({to for to, _ in claims}) == 2


def test_a_session_that_cannot_be_set_up_defers_without_a_claim(world, sink):
    message = world.message("down@example.test")
    sink.script("down@example.test", "down")
    assert run_batch(world, message) == ["deferred"]
    stored = _stored(world, message)
    assert [e["status"] for e in stored.timeline] == ["queued", "deferred"]
    assert stored.attempts == 1 and stored.timeline[-1]["stage"] == "connect"
    assert "message.sending" not in world.events.types()


def test_a_slow_worker_replaces_the_provisional_unknown_with_what_the_server_said(world, sink):
    # given: a worker claimed the message and is slow; its lease runs out and a redelivery
    # marks the message failed/outcome_unknown
    message = world.message("slow@example.test")
    from chalicelib.sending.service.delivery import SendBatch

    slow = SendBatch(world.ports, "priority")
    slow.prepare([(message.tenant_id, message.message_id)])
    release = asyncio.Event()

    class SlowSender:
        async def send(self, envelope, claim=None):
            assert await claim()
            world.ports.clock.advance(world.ports.lease_seconds + 1)
            # the redelivery, meanwhile, in another worker
            assert await asyncio.to_thread(run_batch, world, message) == ["failed"]
            release.set()
            from tests.fakes.smtp import Result

            return Result(250, "2.0.0 Ok: queued", "done")

        async def close(self):
            pass

    world.ports.senders = lambda mailbox: SlowSender()
    # when: the slow worker finally records the server's answer
    outcome = asyncio.run(slow.process(message.tenant_id, message.message_id))
    # then
    assert release.is_set() and outcome == "sent"
    stored = _stored(world, message)
    assert stored.status == "sent" and stored.attempts == 1
    assert stored.timeline[-1]["smtp_code"] == 250
    # the stream saw the provisional failure, then the correction
    assert [t for t in world.events.types() if t != "message.sending"] == [
        "message.failed",
        "message.sent",
    ]


def test_a_message_held_by_a_live_worker_is_left_alone(world, sink):
    message = world.message("busy@example.test")
    lease = int(world.ports.clock.now().timestamp()) + 60
    world.messages.items[(message.tenant_id, message.message_id)] = (
        replace(message, status="sending", attempts=1),
        lease,
    )
    assert run_batch(world, message) == ["in_flight_elsewhere"]
    assert sink.sends == 0


def test_a_message_held_by_a_live_worker_is_looked_at_again_when_its_lease_ends(world, sink):
    # given: a redelivered job whose message another worker claimed, its lease still running
    # (the chaos run: a killed invocation's job came back before the claim's lease ended)
    message = world.message("held@example.test")
    lease = int(world.ports.clock.now().timestamp()) + 60
    claimed = replace(message, status="sending", attempts=1)
    world.messages.items[(message.tenant_id, message.message_id)] = (claimed, lease)
    # when this delivery leaves it alone (and its job is acked)
    assert run_batch(world, message) == ["in_flight_elsewhere"]
    # then a job comes back once the lease has ended, so a holder that died never leaves the
    # message `sending` with no job to end it
    assert world.queues.jobs[-1][1][:2] == (message.tenant_id, message.message_id)
    assert 60 <= world.queues.jobs[-1][1][2] <= 62
    # and when it comes back with the holder gone, the message ends failed/outcome_unknown
    world.ports.clock.advance(61)
    assert run_batch(world, message) == ["failed"]
    assert _stored(world, message).timeline[-1]["reason"] == "outcome_unknown"
    assert sink.sends == 0


def test_a_full_mailbox_defers_until_later_without_using_an_attempt(world, sink):
    world.counters.values[
        (world.tenant.tenant_id, "mailbox#mbx_benchbenchbenchbench#day#2026-11-28")
    ] = {"message_sent": 100_000}
    message = world.message("capped@example.test")
    assert run_batch(world, message) == ["deferred"]
    stored = _stored(world, message)
    assert stored.attempts == 0 and stored.timeline[-1]["step"] == "defer_if_mailbox_over_cap"
    assert world.queues.jobs[-1][1][2] == 900


def test_a_tenant_without_a_postal_address_cannot_send_bulk_mail(sink):
    world = memory_world(sink.factory, FakeClock(), postal_address="")
    message = world.message("lead@example.test")
    assert run_batch(world, message) == ["suppressed"]
    assert _stored(world, message).timeline[-1]["step"] == "hold_if_not_compliant"


def test_a_javascript_link_fails_the_message_when_it_is_built(world, sink):
    message = world.message("x@example.test", html='<a href="javascript:alert(1)">x</a>')
    assert run_batch(world, message) == ["failed"]
    assert "could not build" in _stored(world, message).timeline[-1]["reason"]
    assert sink.sends == 0


def test_a_scheduled_message_waits_in_the_queue(world, sink):
    message = world.message("soon@example.test", scheduled_at="2026-11-28T12:10:00Z")
    assert run_batch(world, message) == ["scheduled"]
    assert world.queues.jobs[-1][1][2] == 600
    assert sink.sends == 0


def test_a_5xx_to_mail_from_fails_without_suppressing_the_recipient(world, sink):
    from tests.fakes.smtp import Result

    class RefusesSender:
        async def send(self, envelope, claim=None):
            assert await claim()
            return Result(553, "5.7.1 sender not allowed", "mail")

        async def close(self):
            pass

    world.ports.senders = lambda mailbox: RefusesSender()
    message = world.message("fine@example.test")
    assert run_batch(world, message) == ["failed"]
    assert not world.suppressions.check([(message.tenant_id, "fine@example.test")])


def test_an_idn_recipient_goes_on_the_envelope_as_punycode():
    from chalicelib.sending.transport import ascii_domain

    assert ascii_domain("ana@bücher.example") == "ana@xn--bcher-kva.example"
    assert ascii_domain("ана@example.test") == "ана@example.test"


def _trip_the_server(world, sink):
    """Three batches whose server refused the connection: the breaker opens."""
    world.ports.retry_scale = 1.0  # the deployed cool-downs (60 s first)
    for n in range(3):
        down = world.message(f"down{n}@example.test")
        sink.script(down.to, "down")
        assert run_batch(world, down) == ["deferred"]
        world.ports.clock.advance(5)


def test_messages_to_a_tripped_server_wait_without_using_attempts(world, sink):
    # given
    _trip_the_server(world, sink)
    waiting = [world.message(f"wait{n}@example.test") for n in range(3)]
    # when
    assert run_batch(world, *waiting) == ["deferred"] * 3
    # then: not attempted, the step and reason on the timeline, back in the queue for the
    # rest of the cool-down; the tenant was told once, the event stored with the change
    for message in waiting:
        stored = _stored(world, message)
        last = stored.timeline[-1]
        assert stored.attempts == 0 and last["step"] == "defer_if_server_circuit_open"
        assert "smtp_code" not in last and "circuit open" in last["reason"]
    assert all(0 < delay <= 60 for _, (_, _, delay) in world.queues.jobs[-3:])
    assert sink.connected == [] and world.events.types().count("server.circuit_opened") == 1
    assert [kind for _, kind, _ in world.ports.notify.sent] == ["server.circuit_opened"]
    # when the cool-down is over: one message probes, the others wait for its outcome
    world.ports.clock.advance(60)
    outcomes = run_batch(world, *waiting)
    assert outcomes.count("sent") >= 1 and set(outcomes) <= {"sent", "deferred"}
    assert world.events.types().count("server.circuit_closed") == 1
    # then the server is closed again and the rest go out, each on its first attempt
    rest = [m for m in waiting if _stored(world, m).status == "deferred"]
    assert all(
        _stored(world, m).timeline[-1]["step"] == "defer_if_server_circuit_open" for m in rest
    )
    assert run_batch(world, *rest) == ["sent"] * len(rest)
    assert all(_stored(world, m).attempts == 1 for m in waiting)


def test_provider_cool_downs_are_untouched_by_the_server_breaker(world, sink):
    world.ports.retry_scale = 1.0
    # given: Gmail throttles the mailbox three times (the server answered each time)
    for n in range(3):
        throttled = world.message(f"t{n}@gmail.com")
        sink.script(throttled.to, "421 4.7.28 rate limited, try later")
        world.ports.cooldowns.until.clear()
        assert run_batch(world, throttled) == ["deferred"]
    # when
    cooling, other = world.message("again@gmail.com"), world.message("fine@example.test")
    # then: the provider cool-down defers Gmail as before; the server's breaker never opened
    assert run_batch(world, cooling, other) == ["deferred", "sent"]
    assert _stored(world, cooling).timeline[-1]["step"] == "defer_if_provider_cooling"
    assert _stored(world, cooling).attempts == 0
    assert all(b.opens == 0 for b in world.ports.breakers.items.values())
    assert "server.circuit_opened" not in world.events.types()
