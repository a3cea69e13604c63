"""Dispatch over fakes (one endpoint Query per tenant per batch, filters, one delivery per
endpoint and event however often the event comes, FIFO groups per message) and replay jobs
(range rules, the same event ids again, progress)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.core.clock import iso
from chalicelib.core.errors import UnprocessableEntity
from chalicelib.core.events import new_event
from chalicelib.webhooks.rules import replay as replay_rules
from chalicelib.webhooks.service import dispatch, endpoints, replay
from tests.fakes.core import FakeClock
from tests.fakes.webhooks import webhook_ports

TENANT = "ten_" + "a" * 20
OTHER = "ten_" + "b" * 20
URL = "https://hooks.example.com/in"


def _event(kind, at, tenant=TENANT, message_id="msg_abcdefghijkl"):
    return new_event(kind, tenant, at, message_id=message_id)


def test_each_endpoint_gets_the_events_its_filter_takes_once_per_event():
    ports = webhook_ports()
    every, _ = endpoints.create(ports, TENANT, URL, None, True, None)
    bounces, _ = endpoints.create(ports, TENANT, URL, ["message.bounced"], True, None)
    endpoints.create(ports, TENANT, URL, None, False, None)  # disabled: nothing
    now = ports.clock.now_iso()
    batch = [
        _event("message.sent", now),
        _event("message.bounced", now),
        _event("message.sent", now, OTHER),
    ]
    assert dispatch.dispatch(ports, batch) == 3
    dispatch.dispatch(ports, batch)  # the same batch again (a retried stream batch)
    assert len(ports.deliveries.items) == 3  # one record per (endpoint, event)
    assert len(ports.queue.sent) == 3  # and the FIFO dedup id drops the second enqueue
    assert ports.endpoints.queries == 4  # one Query per tenant per batch
    sent = {(q.endpoint_id, q.event["type"]) for q in ports.queue.sent}
    assert sent == {
        (every.endpoint_id, "message.sent"),
        (every.endpoint_id, "message.bounced"),
        (bounces.endpoint_id, "message.bounced"),
    }
    assert {q.group for q in ports.queue.sent if q.endpoint_id == every.endpoint_id} == {
        f"{every.endpoint_id}#msg_abcdefghijkl"
    }


def test_a_batchs_events_are_queued_in_order_of_occurrence():
    ports = webhook_ports()
    endpoints.create(ports, TENANT, URL, None, True, None)
    clock = ports.clock
    later = _event("message.delivered", iso(clock.now() + timedelta(seconds=5)))
    earlier = _event("message.sent", clock.now_iso())
    dispatch.dispatch(ports, [later, earlier])
    assert [q.event["type"] for q in ports.queue.sent] == ["message.sent", "message.delivered"]


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("yesterday", "2026-11-28T11:00:00Z", "from"),
        ("2026-11-28T10:00:00Z", "2026-11-28T09:00:00Z", "from"),
        ("2026-11-28T10:00:00Z", "2026-11-28T12:05:00Z", "to"),
        ("2025-10-01T00:00:00Z", "2026-11-28T11:00:00Z", "from"),
        ("2026-11-28T10:00:00", "2026-11-28T11:00:00Z", "from"),
    ],
)
def test_a_replay_range_that_breaks_a_rule_is_a_422_naming_the_field(first, last, field):
    with pytest.raises(UnprocessableEntity) as refused:
        replay_rules.checked_range(first, last, FakeClock().now())
    assert refused.value.details["field"] == field


def test_a_range_is_read_from_the_archive_then_the_log():
    now = FakeClock().now()
    parts = replay_rules.phases(iso(now - timedelta(days=30)), iso(now), now)
    assert [p.source for p in parts] == ["archive", "log"]
    assert parts[0].last == parts[1].first == iso(now - timedelta(days=6))
    recent = replay_rules.phases(iso(now - timedelta(hours=1)), iso(now), now)
    assert [p.source for p in recent] == ["log"]


def test_a_replay_sends_the_same_event_ids_again_as_new_deliveries():
    ports = webhook_ports()
    endpoint, _ = endpoints.create(ports, TENANT, URL, None, True, None)
    clock = ports.clock
    events = [_event("message.sent", iso(clock.now() - timedelta(minutes=m))) for m in (50, 40, 30)]
    old = [
        _event("message.sent", iso(clock.now() - timedelta(days=20)), message_id="msg_oldoldoldold")
    ]
    dispatch.dispatch(ports, events)
    ports.archive.append(old)
    first_round = len(ports.queue.sent)
    job = endpoints.start_replay(
        ports,
        TENANT,
        endpoint.endpoint_id,
        iso(clock.now() - timedelta(days=30)),
        clock.now_iso(),
        None,
    )
    assert ports.replays.steps == [(TENANT, endpoint.endpoint_id, job.job_id)]
    while replay.run_step(ports, TENANT, endpoint.endpoint_id, job.job_id):
        pass
    replayed = ports.queue.sent[first_round:]
    assert [q.event["event_id"] for q in replayed] == [e["event_id"] for e in old + events]
    assert all(q.dedup.endswith(job.job_id) for q in replayed)
    done = ports.jobs.get(TENANT, endpoint.endpoint_id, job.job_id)
    assert (done.status, done.total, done.done) == ("completed", 4, 4)
    assert len(ports.deliveries.items) == 7


def test_a_replay_of_another_tenants_endpoint_is_not_found():
    ports = webhook_ports()
    endpoint, _ = endpoints.create(ports, TENANT, URL, None, True, None)
    from chalicelib.core.errors import NotFound

    with pytest.raises(NotFound):
        endpoints.start_replay(
            ports, OTHER, endpoint.endpoint_id, "2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z", None
        )
