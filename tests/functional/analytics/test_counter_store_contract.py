"""The ``CounterStore`` contract: ``FakeCounters`` and ``DynamoCounterStore`` pass the same
tests (each event counted once per tenant and event id, batches refused chunk by chunk,
counters read per period)."""

from __future__ import annotations

import pytest

from chalicelib.analytics.ports import CounterStore
from chalicelib.analytics.rules import day_period, mailbox_day_period, month_period
from chalicelib.core import ids
from chalicelib.core.events import Event, new_event
from tests.fakes.analytics import FakeCounters
from tests.functional.twins import TWINS, twin

DAY = "2026-11-28"
MONTH = month_period("2026-11")


@pytest.fixture(params=TWINS)
def counters(request) -> CounterStore:
    def real() -> CounterStore:
        from chalicelib.analytics.wiring import counters

        return counters()

    return twin(request, FakeCounters, real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def _event(tenant_id: str, kind: str = "message.queued", day: str = DAY, **fields) -> Event:
    return new_event(kind, tenant_id, f"{day}T12:00:00.000Z", **fields)


def test_an_event_moves_its_month_and_day_counters(counters, tenant_id):
    assert counters.apply_once(_event(tenant_id)) is True
    assert counters.read(tenant_id, MONTH) == {"message_queued": 1}
    assert counters.read(tenant_id, day_period(DAY)) == {"message_queued": 1}


def test_a_sent_message_also_counts_against_its_mailbox_day(counters, tenant_id):
    counters.apply_once(_event(tenant_id, "message.sent", mailbox_id="mbx_one"))
    counters.apply_once(_event(tenant_id, "message.sent", mailbox_id="mbx_one"))
    assert counters.read(tenant_id, mailbox_day_period("mbx_one", DAY)) == {"message_sent": 2}
    assert counters.read(tenant_id, mailbox_day_period("mbx_two", DAY)) == {}


def test_an_event_is_counted_once(counters, tenant_id):
    # given
    event = _event(tenant_id)
    counters.apply_once(event)

    # when
    again = counters.apply_once(event)

    # then
    assert again is False
    assert counters.read(tenant_id, MONTH) == {"message_queued": 1}


def test_events_are_counted_once_per_tenant(counters, tenant_id):
    # the marker is tenant-led: the same event id under another tenant is another event
    event = _event(tenant_id)
    other = {**event, "tenant_id": ids.new_id("ten")}
    assert counters.apply_once(event) is True
    assert counters.apply_once(other) is True
    assert counters.read(other["tenant_id"], MONTH) == {"message_queued": 1}


def test_counters_are_apart_per_tenant_and_period(counters, tenant_id):
    counters.apply_once(_event(tenant_id))
    counters.apply_once(_event(tenant_id, day="2026-12-01"))
    assert counters.read(tenant_id, MONTH) == {"message_queued": 1}
    assert counters.read(tenant_id, month_period("2026-12")) == {"message_queued": 1}
    assert counters.read(ids.new_id("ten"), MONTH) == {}


def test_a_batch_is_counted_at_once(counters, tenant_id):
    # given
    batch = [_event(tenant_id, "message.sent", mailbox_id="mbx_one") for _ in range(3)]
    batch += [_event(tenant_id, "message.opened"), _event(tenant_id, "message.clicked")]

    # when
    counted = counters.apply_many(batch)

    # then
    assert counted is True
    assert counters.read(tenant_id, MONTH) == {
        "message_sent": 3,
        "message_opened": 1,
        "message_clicked": 1,
    }
    assert counters.read(tenant_id, mailbox_day_period("mbx_one", DAY)) == {"message_sent": 3}


def test_a_batch_holding_a_counted_event_counts_nothing(counters, tenant_id):
    # given
    counted = _event(tenant_id)
    counters.apply_once(counted)
    batch = [_event(tenant_id), counted, _event(tenant_id)]

    # when
    whole = counters.apply_many(batch)

    # then: nothing of the batch, and event by event counts only the new ones
    assert whole is False
    assert counters.read(tenant_id, MONTH) == {"message_queued": 1}
    assert [counters.apply_once(e) for e in batch] == [True, False, True]
    assert counters.read(tenant_id, MONTH) == {"message_queued": 3}


def test_a_long_batch_is_refused_only_from_the_chunk_with_a_counted_event(counters, tenant_id):
    # given: 150 events of one tenant and day fit 98 to a transaction (98 markers and the
    # month and day counters); event 120 was counted before
    batch = [_event(tenant_id) for _ in range(150)]
    counters.apply_once(batch[120])

    # when
    whole = counters.apply_many(batch)

    # then: the first chunk is counted, the second is not
    assert whole is False
    assert counters.read(tenant_id, MONTH) == {"message_queued": 1 + 98}
    assert [counters.apply_once(e) for e in (batch[97], batch[98])] == [False, True]


def test_an_empty_batch_counts_nothing(counters, tenant_id):
    assert counters.apply_many([]) is True
    assert counters.read(tenant_id, MONTH) == {}


def test_an_unknown_period_reads_empty(counters, tenant_id):
    assert counters.read(tenant_id, month_period("1999-01")) == {}
