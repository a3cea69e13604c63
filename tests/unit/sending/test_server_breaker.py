"""The circuit breaker of a tenant SMTP server: its rules over an injected time, and one
worker batch's view of it (``BatchBreakers``) over the in-memory store: trips after the
threshold, cool-down doubling, one probe when half-open, closing on any session, AUTH
failures never trip it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from chalicelib.sending.rules import breaker as rules
from chalicelib.sending.rules.breaker import Breaker
from chalicelib.sending.service.breakers import BatchBreakers
from tests.fakes.core import FakeClock
from tests.fakes.sending import FakeBreakers, FakeNotifier

T0 = 1_800_000_000.0
TENANT = "ten_abcdefghijklmnopqrst"
REFUSED = (None, "connection refused", "connect")


def _outages(b: Breaker, n: int, at: float = T0, every: float = 10) -> Breaker:
    for i in range(n):
        b = rules.after_outage(b, at + i * every, 1.0)
    return b


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "signal"),
    [
        ((None, "connection refused", "connect"), rules.OUTAGE),
        ((None, "host not found (Name or service not known)", "connect"), rules.OUTAGE),
        ((421, "4.7.0 too busy", "connect"), rules.OUTAGE),
        ((None, "TLS handshake failed", "tls"), rules.OUTAGE),
        ((454, "4.7.0 TLS not available", "tls"), rules.OUTAGE),
        ((None, "timed out after 20s", "data"), rules.OUTAGE),
        ((535, "5.7.8 Authentication credentials invalid", "auth"), rules.REACHABLE),
        ((454, "4.7.0 temporary authentication failure", "auth"), rules.REACHABLE),
        ((554, "5.7.1 no service", "connect"), rules.REACHABLE),
        ((None, "connection lost", "data"), rules.REACHABLE),
        ((451, "4.7.1 later", "rcpt"), rules.REACHABLE),
        ((250, "2.0.0 ok", "done"), rules.REACHABLE),
        ((None, "another worker owns the message", "claim"), None),
    ],
)
def test_what_a_send_result_says_about_its_server(result, signal):
    assert rules.signal(*result) == signal


def test_it_opens_on_the_third_outage_in_a_row_within_the_window():
    b = Breaker(TENANT, "smtp.example.test:587")
    two = _outages(b, 2)
    assert two.state(T0 + 20) == "closed" and two.failures == 2
    three = rules.after_outage(two, T0 + 30, 1.0)
    assert three.state(T0 + 30) == "open" and three.until == T0 + 30 + 60
    assert rules.opened(two, three)


def test_an_outage_after_the_window_starts_the_count_again():
    two = _outages(Breaker(TENANT, "s:25"), 2)
    late = rules.after_outage(two, T0 + 10 + rules.WINDOW_SECONDS + 1, 1.0)
    assert late.failures == 1 and late.opens == 0


def test_a_session_in_between_clears_the_count():
    two = _outages(Breaker(TENANT, "s:25"), 2)
    cleared = rules.after_reachable(two)
    assert cleared.failures == 0
    assert rules.after_outage(cleared, T0 + 30, 1.0).opens == 0


def test_each_failed_probe_doubles_the_cool_down_up_to_fifteen_minutes():
    b = _outages(Breaker(TENANT, "s:25"), 3)
    cool_downs = []
    for _ in range(6):
        cool_downs.append(b.until - b.last_failure_at)
        b = rules.after_outage(b, b.until, 1.0)  # half-open: the probe fails
    assert cool_downs == [60, 120, 240, 480, 900, 900]


def test_the_cool_down_scales_with_the_local_time_scale():
    b = Breaker(TENANT, "s:25")
    for i in range(3):
        b = rules.after_outage(b, T0 + i, 1 / 60)
    assert b.until == pytest.approx(T0 + 2 + 1)


def test_an_outage_while_open_changes_nothing():
    b = _outages(Breaker(TENANT, "s:25"), 3)
    assert rules.after_outage(b, b.until - 1, 1.0) == b


def test_the_gate_defers_while_open_then_lets_one_probe_through():
    b = _outages(Breaker(TENANT, "s:25"), 3)
    gate = rules.gate(b, b.until - 15, 1.0)
    assert gate.kind == "defer" and gate.wait == 15 and "circuit open" in gate.reason
    assert rules.gate(b, b.until, 1.0).kind == "probe"
    probing = rules.probing(b, b.until)
    later = rules.gate(probing, b.until + 1, 1.0)
    assert later.kind == "defer" and later.wait == rules.RECHECK_SECONDS
    # a probe that never reports frees the probe when its lease ends
    assert rules.gate(probing, b.until + rules.PROBE_LEASE_SECONDS, 1.0).kind == "probe"


def test_any_session_closes_it():
    b = _outages(Breaker(TENANT, "s:25"), 3)
    closed = rules.after_reachable(b)
    assert closed.state(T0) == "closed" and rules.closed(b, closed)
    assert rules.gate(closed, T0 + 40, 1.0).kind == "pass"


# --- one batch's view over the store ----------------------------------------------------------


@dataclass(frozen=True)
class _Smtp:
    host: str = "SMTP.Example.test"
    port: int = 587


@dataclass(frozen=True)
class _Mailbox:
    tenant_id: str = TENANT
    mailbox_id: str = "mbx_a"
    smtp: _Smtp = _Smtp()


@dataclass(frozen=True)
class _Result:
    code: int | None
    text: str
    stage: str


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store():
    return FakeBreakers()


@pytest.fixture
def notify():
    return FakeNotifier()


def _batch(store, clock, notify) -> BatchBreakers:
    return BatchBreakers(store, clock, 1.0, notify)


def _fail_batches(store, clock, notify, n: int, mailbox=_Mailbox()) -> None:
    for _ in range(n):
        batch = _batch(store, clock, notify)
        for _ in range(5):  # five messages of one batch: one outage
            batch.observe(mailbox, _Result(*REFUSED))
        clock.advance(5)


def test_a_batch_counts_one_outage_however_many_messages_failed(store, clock, notify):
    _fail_batches(store, clock, notify, 2)
    [stored] = store.items.values()
    assert stored.failures == 2 and stored.opens == 0 and store.writes == 2


def test_three_failed_batches_open_it_with_an_event_and_one_notification(store, clock, notify):
    # given: two mailboxes of the tenant on the same server
    other = replace(_Mailbox(), mailbox_id="mbx_b")
    _fail_batches(store, clock, notify, 2)
    # when
    _fail_batches(store, clock, notify, 1, mailbox=other)
    # then
    [stored] = store.items.values()
    assert stored.server == "smtp.example.test:587" and stored.opens == 1
    assert store.outbox.types() == ["server.circuit_opened"]
    event = store.outbox.published[0]
    assert event["server"] == "smtp.example.test:587" and event["failures"] == 3
    assert event["reopened"] is False
    assert [(t, k) for t, k, _ in notify.sent] == [(TENANT, "server.circuit_opened")]
    gate = _batch(store, clock, notify).check(_Mailbox())
    assert gate.kind == "defer" and 0 < gate.wait <= 60


def test_a_535_never_trips_it(store, clock, notify):
    for _ in range(5):
        _batch(store, clock, notify).observe(_Mailbox(), _Result(535, "5.7.8 bad creds", "auth"))
    assert not store.items and store.writes == 0
    assert _batch(store, clock, notify).check(_Mailbox()).kind == "pass"


def test_two_workers_never_both_take_the_probe(store, clock, notify):
    # given: an open breaker whose cool-down is over, read by two workers
    _fail_batches(store, clock, notify, 3)
    clock.advance(60)
    seen_by_second = store.get(TENANT, "smtp.example.test:587")
    first = _batch(store, clock, notify)
    # when: the first takes the probe
    assert first.check(_Mailbox()).kind == "pass"
    # then: the second's conditional write over the state it read is refused
    now = clock.now().timestamp()
    assert not store.put(seen_by_second, rules.probing(seen_by_second, now))
    assert _batch(store, clock, notify).check(_Mailbox()).kind == "defer"
    # and within the probing batch, the other messages wait for the probe's outcome
    assert first.check(_Mailbox()).kind == "defer"


def test_a_stale_batch_loses_the_probe_race_and_defers(store, clock, notify):
    _fail_batches(store, clock, notify, 3)
    clock.advance(60)
    stale = _batch(store, clock, notify)
    stale._read((TENANT, "smtp.example.test:587"))  # read before the other worker's probe
    assert _batch(store, clock, notify).check(_Mailbox()).kind == "pass"
    assert stale.check(_Mailbox()).kind == "defer"


def test_the_probe_closes_it_on_success_or_reopens_it_doubled(store, clock, notify):
    _fail_batches(store, clock, notify, 3)
    clock.advance(60)
    probe = _batch(store, clock, notify)
    assert probe.check(_Mailbox()).kind == "pass"
    probe.observe(_Mailbox(), _Result(*REFUSED))
    assert probe.check(_Mailbox()).kind == "defer"  # open again, for this batch too
    [reopened] = store.items.values()
    assert reopened.opens == 2 and reopened.until - clock.now().timestamp() == 120
    assert len(notify.sent) == 1  # the tenant heard once, not on every re-open
    clock.advance(120)
    probe = _batch(store, clock, notify)
    assert probe.check(_Mailbox()).kind == "pass"
    probe.observe(_Mailbox(), _Result(250, "2.0.0 ok", "done"))
    assert probe.check(_Mailbox()).kind == "pass"  # the probing batch sends the rest at once
    [closed] = store.items.values()
    assert closed.opens == 0 and closed.failures == 0
    assert store.outbox.types() == [
        "server.circuit_opened",
        "server.circuit_opened",
        "server.circuit_closed",
    ]
    assert _batch(store, clock, notify).check(_Mailbox()).kind == "pass"


def test_a_healthy_server_costs_no_write(store, clock, notify):
    batch = _batch(store, clock, notify)
    assert batch.check(_Mailbox()).kind == "pass"
    batch.observe(_Mailbox(), _Result(250, "2.0.0 ok", "done"))
    assert store.writes == 0
