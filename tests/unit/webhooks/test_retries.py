"""The retry schedule: 30 s doubling to an hour, for 24 hours from the first attempt, then
parked; an endpoint failing for more than 24 hours is to be disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.webhooks.rules import retries

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_the_backoff_doubles_from_30_seconds_and_stops_at_an_hour():
    assert [retries.backoff(n) for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert retries.backoff(500) == 3600
    with pytest.raises(ValueError):
        retries.backoff(0)


def test_a_failure_within_24_hours_is_retried_after_the_backoff():
    now = START + timedelta(hours=3)
    decision = retries.after_failure(START, attempts=3, now=now)
    assert not decision.parked
    assert decision.delay == 120
    assert decision.next_attempt_at == now + timedelta(seconds=120)


def test_a_failure_24_hours_after_the_first_attempt_parks_the_delivery():
    decision = retries.after_failure(START, attempts=30, now=START + timedelta(hours=24))
    assert decision.parked and decision.next_attempt_at is None


def test_an_endpoint_is_disabled_only_after_more_than_24_hours_of_failures():
    assert not retries.should_disable(None, START)
    assert not retries.should_disable(START, START + timedelta(hours=24))
    assert retries.should_disable(START, START + timedelta(hours=24, seconds=1))


@pytest.mark.parametrize(
    ("status", "ok"),
    [
        (200, True),
        (204, True),
        (301, False),
        (302, False),
        (404, False),
        (500, False),
        (None, False),
    ],
)
def test_only_a_2xx_is_a_success(status, ok):
    assert retries.is_success(status) is ok
