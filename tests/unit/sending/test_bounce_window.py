"""The bounce window and the run of soft bounces, over in-memory twins with an injected
clock: a sent message becomes ``delivered`` 72 hours later with its event, never before and
never after a bounce; a later bounce still wins; the sweeper reads only the hours that came
due, from its cursor on. Soft bounces count in a row, from the DSNs and from a 5.2.2 at RCPT
alike, once per source, and a delivery or a reply ends the run."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.fakes.core import FakeClock
from tests.fakes.sending import FakeDueIndex, FakeSweepCursor, memory_world, run_batch
from tests.fakes.smtp import SmtpSink


@pytest.fixture
def sink():
    return SmtpSink()


@pytest.fixture
def world(sink):
    return memory_world(sink.factory, FakeClock())


def _sweeper(world, cursor=None):
    from chalicelib.sending.service.delivered import DeliveredPorts

    return DeliveredPorts(
        messages=world.messages,
        due=FakeDueIndex(world.messages),
        cursor=cursor or FakeSweepCursor(),
        soft_bounces=world.soft_bounces,
        clock=world.ports.clock,
    )


def _sweep(ports):
    from chalicelib.sending.service.delivered import sweep

    return sweep(ports)


def _stored(world, message):
    return world.messages.get(message.tenant_id, message.message_id)


def test_a_sent_message_is_delivered_when_the_window_passes_and_not_before(world):
    # given: a message sent now
    message = world.message("lead@example.test")
    assert run_batch(world, message) == ["sent"]
    ports = _sweeper(world)
    # when: 71 hours pass, then 72 and a minute
    world.ports.clock.advance(71 * 3600)
    assert _sweep(ports) == 0 and _stored(world, message).status == "sent"
    world.ports.clock.advance(3600 + 60)
    assert _sweep(ports) == 1
    # then: delivered, with its event, once
    stored = _stored(world, message)
    assert stored.status == "delivered" and stored.timeline[-1]["window_hours"] == 72
    [event] = [e for e in world.events.published if e["type"] == "message.delivered"]
    assert event["message_id"] == message.message_id
    assert event["sent_at"] == "2026-11-28T12:00:00Z"
    assert _sweep(ports) == 0


def test_a_bounce_inside_the_window_wins_and_one_after_it_still_counts(world, sink):
    from chalicelib.inbound.rules.records import InboundMessage
    from chalicelib.inbound.service import _mark_bounced

    early, late = world.message("early@example.test"), world.message("late@example.test")
    run_batch(world, early, late)
    bounced = replace(_stored(world, early), status="bounced")
    world.messages.items[(early.tenant_id, early.message_id)] = (bounced, 0)
    ports = _sweeper(world)
    world.ports.clock.advance(73 * 3600)
    assert _sweep(ports) == 1
    assert _stored(world, early).status == "bounced"
    assert _stored(world, late).status == "delivered"
    # a DSN that arrives after the window still turns the delivered message bounced
    record = InboundMessage(
        tenant_id=late.tenant_id,
        inbound_id="inb_late",
        mailbox_id=late.mailbox_id,
        received_at="2026-12-01T13:00:00Z",
        kind="bounce",
        from_address="mailer-daemon@example.test",
        subject="Undelivered",
        message_id_header="<x@y>",
        raw_key="k",
        matched_message_id=late.message_id,
    )
    inbound = type("P", (), {"messages": world.messages})()
    assert _mark_bounced(inbound, _stored(world, late), "2026-12-01T13:00:00Z", "hard", record)
    assert _stored(world, late).status == "bounced"


def test_the_sweeper_resumes_from_its_cursor_and_reads_only_hours_that_came_due(world):
    messages = [world.message(f"lead{n}@example.test") for n in range(3)]
    run_batch(world, *messages)
    cursor = FakeSweepCursor()
    ports = _sweeper(world, cursor)
    world.ports.clock.advance(75 * 3600)
    assert _sweep(ports) == 3
    assert cursor.hour == "2026-12-01T15"  # now: every hour before the current one is done
    queries = ports.due.queries
    world.ports.clock.advance(15 * 60)
    assert _sweep(ports) == 0
    assert ports.due.queries - queries <= 2  # the current hour (and the next), not the past


def test_soft_bounces_count_in_a_row_from_smtp_and_end_with_a_delivery(world, sink):
    # given: two 5.2.2 refusals at RCPT for the same recipient
    first, second = world.message("full@example.test"), world.message("full@example.test")
    for message in (first, second):
        sink.script("full@example.test", "552 5.2.2 mailbox full")
        assert run_batch(world, message) == ["bounced"]
    assert not world.suppressions.check([(first.tenant_id, "full@example.test")])
    # when: a message to them is delivered (the window passes), the run ends
    third = world.message("full@example.test")
    assert run_batch(world, third) == ["sent"]
    world.ports.clock.advance(73 * 3600)
    assert _sweep(_sweeper(world)) == 1
    # then: two more soft bounces do not suppress, the third in a row does
    for n in range(3):
        again = world.message("full@example.test")
        sink.script("full@example.test", "552 5.2.2 mailbox full")
        assert run_batch(world, again) == ["bounced"]
        suppressed = world.suppressions.check([(first.tenant_id, "full@example.test")])
        assert bool(suppressed) == (n == 2)
    entry = world.suppressions.get(first.tenant_id, "full@example.test")
    assert entry.reason.startswith("soft bounces")
