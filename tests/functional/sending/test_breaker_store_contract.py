"""The ``BreakerStore`` contract: ``FakeBreakers`` and ``DynamoBreakers`` pass the same tests
(a write lands only over the version it was decided on, so of two workers only one opens a
breaker or takes its probe; the events go with the write; the open ones are listed). For the
real store, the events land in the outbox table in the breaker's transaction, and a refused
write stores none."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.core import ids
from chalicelib.core.events import new_event
from chalicelib.sending.ports import BreakerStore
from chalicelib.sending.rules import breaker as rules
from chalicelib.sending.rules.breaker import Breaker
from tests.fakes.sending import FakeBreakers
from tests.functional.twins import TWINS, twin

T0 = 1_800_000_000.0
SERVER = "smtp.example.test:587"
AT = "2027-01-15T08:00:00.000Z"


@pytest.fixture(params=TWINS)
def store(request) -> BreakerStore:
    def real() -> BreakerStore:
        from chalicelib.sending.wiring import breakers

        return breakers()

    return twin(request, FakeBreakers, real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def _open(store: BreakerStore, tenant_id: str) -> Breaker:
    """Three outages stored one by one; the breaker as stored, open."""
    b = Breaker(tenant_id, SERVER)
    for i in range(3):
        after = rules.after_outage(b, T0 + i, 1.0)
        assert store.put(b, after)
        b = store.get(tenant_id, SERVER)
    assert b is not None and b.opens == 1
    return b


def _opened_event(tenant_id: str) -> dict:
    return new_event(
        "server.circuit_opened", tenant_id, AT, server=SERVER, failures=3, until=AT, reopened=False
    )


def test_a_server_without_a_breaker_reads_none(store, tenant_id):
    assert store.get(tenant_id, SERVER) is None


def test_a_breaker_reads_back_with_its_version(store, tenant_id):
    b = _open(store, tenant_id)
    assert (b.failures, b.opens, b.version) == (3, 1, 3)
    assert b.until == T0 + 2 + 60 and b.last_failure_at == T0 + 2
    assert store.get(ids.new_id("ten"), SERVER) is None


def test_a_write_over_a_version_that_moved_on_is_refused(store, tenant_id):
    first = Breaker(tenant_id, SERVER)
    assert store.put(first, rules.after_outage(first, T0, 1.0))
    assert not store.put(first, rules.after_outage(first, T0 + 1, 1.0))  # both saw none
    stored = store.get(tenant_id, SERVER)
    assert stored is not None and stored.failures == 1 and stored.version == 1


def test_of_two_workers_taking_the_probe_at_once_exactly_one_wins(store, tenant_id):
    # given: an open breaker whose cool-down is over, read by eight workers
    b = _open(store, tenant_id)
    now = b.until
    assert rules.gate(b, now, 1.0).kind == "probe"
    # when: they all try to take the probe over the same version
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda _: store.put(b, rules.probing(b, now)), range(8)))
    # then
    assert won.count(True) == 1
    stored = store.get(tenant_id, SERVER)
    assert stored is not None and stored.probe_until == now + rules.PROBE_LEASE_SECONDS
    assert rules.gate(stored, now, 1.0).kind == "defer"


def test_open_breakers_are_listed_until_they_close(store, tenant_id):
    b = _open(store, tenant_id)
    mine = [x for x in store.not_closed(100) if x.tenant_id == tenant_id]
    assert [(x.server, x.opens, x.until) for x in mine] == [(SERVER, 1, b.until)]
    assert store.put(b, rules.after_reachable(b))
    assert [x for x in store.not_closed(100) if x.tenant_id == tenant_id] == []


def test_the_events_of_a_change_are_stored_with_it_and_only_then(aws, tenant_id):
    from chalicelib.sending.wiring import breakers
    from tests.functional.outbox import stream_events

    store = breakers()
    two = Breaker(tenant_id, SERVER)
    for i in range(2):
        assert store.put(two, rules.after_outage(two, T0 + i, 1.0))
        two = store.get(tenant_id, SERVER)
    opened = rules.after_outage(two, T0 + 2, 1.0)
    refused_event, stored_event = _opened_event(tenant_id), _opened_event(tenant_id)
    # a write decided on an old version is refused, and its event is not stored
    stale = Breaker(tenant_id, SERVER)
    assert not store.put(stale, rules.after_outage(stale, T0, 1.0), [refused_event])
    assert store.put(two, opened, [stored_event])
    ids_on_stream = {e["event_id"] for e in stream_events(aws, "server.circuit_opened")}
    assert stored_event["event_id"] in ids_on_stream
    assert refused_event["event_id"] not in ids_on_stream
