"""When a failed delivery is tried again, when it is parked, and when an endpoint that keeps
failing is disabled. Exponential backoff from 30 s, doubling, capped at an hour, for 24 hours
from the first attempt; then the delivery is parked (kept for a manual replay). An endpoint
whose failures have lasted more than 24 hours (no success since the first of them) is
disabled and its tenant notified."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FIRST_DELAY = 30
MAX_DELAY = 3600
RETRY_WINDOW = timedelta(hours=24)
DISABLE_AFTER = timedelta(hours=24)
RATE_LIMITED_DELAY = 1  # seconds before a delivery over the endpoint's rate tries again
RATE_PER_SECOND = 10  # deliveries per endpoint per second


def backoff(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones (1 → 30 s, 2 → 60 s, …)."""
    if attempts < 1:
        raise ValueError("backoff follows at least one attempt")
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(attempts - 1, 20))


@dataclass(frozen=True)
class AfterFailure:
    parked: bool
    delay: int  # seconds before the next try (0 when parked)
    next_attempt_at: datetime | None


def after_failure(first_attempt_at: datetime, attempts: int, now: datetime) -> AfterFailure:
    """Retry with backoff while the 24 hours from the first attempt last; park after."""
    if now - first_attempt_at >= RETRY_WINDOW:
        return AfterFailure(parked=True, delay=0, next_attempt_at=None)
    delay = backoff(attempts)
    return AfterFailure(parked=False, delay=delay, next_attempt_at=now + timedelta(seconds=delay))


def should_disable(failing_since: datetime | None, now: datetime) -> bool:
    return failing_since is not None and now - failing_since > DISABLE_AFTER


def is_success(status: int | None) -> bool:
    """Only a 2xx counts; a redirect (never followed) is a failure."""
    return status is not None and 200 <= status < 300
