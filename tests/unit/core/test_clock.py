"""The clocks: the system clock in production, and the offset clock the local platform
advances so a campaign's days pass in minutes."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core import wiring
from chalicelib.core.clock import OffsetClock, SystemClock, system_clock
from tests.fakes.core import FakeClock

START = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)


def test_production_reads_the_system_clock():
    wiring.reset()
    assert isinstance(system_clock(), SystemClock)


def test_an_offset_clock_starts_at_its_base_and_moves_with_it():
    base = FakeClock(START)
    clock = OffsetClock(base)
    assert clock.now() == START and clock.offset == timedelta(0)
    base.advance(30)
    assert clock.now() == START + timedelta(seconds=30)


def test_advancing_adds_to_the_offset_and_to_every_later_reading():
    clock = OffsetClock(FakeClock(START), offset=timedelta(hours=1))
    assert clock.advance(86_400 * 3) == timedelta(days=3, hours=1)
    assert clock.advance(0.5) == timedelta(days=3, hours=1, seconds=0.5)
    assert clock.now() == START + timedelta(days=3, hours=1, seconds=0.5)
    assert clock.now_iso() == "2026-03-30T17:00:00.500Z"


def test_without_a_base_it_is_the_system_clock_ahead_by_the_offset():
    clock = OffsetClock()
    clock.advance(86_400 * 10)
    ahead = clock.now() - datetime.now(UTC)
    assert timedelta(days=9) < ahead <= timedelta(days=10)


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf")])
def test_it_never_goes_back_or_nowhere(seconds):
    clock = OffsetClock(FakeClock(START))
    with pytest.raises(ValueError):
        clock.advance(seconds)
    assert clock.now() == START
    with pytest.raises(ValueError):
        OffsetClock(offset=timedelta(seconds=-1))


def test_concurrent_advances_are_all_counted():
    clock = OffsetClock(FakeClock(START))

    def advance_many() -> None:
        for _ in range(2_000):
            clock.advance(1)
            clock.now()

    threads = [threading.Thread(target=advance_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.offset == timedelta(seconds=16_000)


def test_installed_as_the_core_clock_every_reader_sees_it():
    clock = OffsetClock(FakeClock(START))
    wiring.override("core.clock", clock)
    try:
        clock.advance(3600)
        assert system_clock().now() == START + timedelta(hours=1)
    finally:
        wiring.reset()
