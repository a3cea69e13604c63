"""API rate limits: the plan numbers and the decisions, pure (every time is passed in).

Tenant and key limits. A plan allows ``burst`` requests in any window of two whole seconds
(``WINDOW_SECONDS``), which is its sustained rate over time (``burst / 2`` a second) and
its burst at once (PRODUCT.md: 20/40 starter, 50/100 professional, 100/200 business,
300/600 enterprise). The window is approximated from per-second counters: a request is let
in when the count of the previous second plus the count of this one (the request included)
is at most ``burst``, for the tenant and for the key alike (the key's number is the plan's:
one noisy key can take the tenant's whole allowance, never more). Every attempt is counted,
refused ones too, so a client that ignores ``Retry-After`` stays refused; the container's
``LocalBlocks`` keep such a client from paying a counter write while it is refused.

Source IP limit on failed authentications: ``FAILURES_PER_IP`` failures within
``FAILURE_WINDOW_SECONDS`` and the address is refused until the oldest of them leaves the
window, before any key is looked up (so cycling invalid keys costs no read).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WINDOW_SECONDS = 2
FAILURES_PER_IP = 20
FAILURE_WINDOW_SECONDS = 10.0


@dataclass(frozen=True)
class ApiRate:
    sustained_per_second: int
    burst: int


API_RATES: dict[str, ApiRate] = {
    "starter": ApiRate(20, 40),
    "professional": ApiRate(50, 100),
    "business": ApiRate(100, 200),
    "enterprise": ApiRate(300, 600),
}


def burst_for(plan: str, scale: float = 1.0) -> int:
    """The plan's requests per window; ``scale`` is the settings' override (tests, local
    load runs); an unknown plan gets the smallest allowance."""
    rate = API_RATES.get(plan, API_RATES["starter"])
    return max(1, math.floor(rate.burst * scale))


@dataclass(frozen=True)
class WindowCounts:
    """What one counter write returns: (previous second, this second) for the tenant and the
    key, this request included. The previous second is 0 when it is not known (it lies in an
    earlier counter item: the first second of a minute)."""

    tenant: tuple[int, int]
    key: tuple[int, int]


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window frees room (the previous second leaves it)
    retry_after_seconds: int  # 0 when allowed
    scope: str = "tenant"  # whose window is the tighter: tenant | key


def decide(counts: WindowCounts, burst: int, now: float) -> RateDecision:
    """Let the request in when both the tenant's and the key's window hold at most
    ``burst``; the tighter of the two is reported."""
    scope = "tenant" if sum(counts.tenant) >= sum(counts.key) else "key"
    used = max(sum(counts.tenant), sum(counts.key))
    this_second = max(counts.tenant[1], counts.key[1])
    to_next_second = max(1, math.ceil(math.floor(now) + 1 - now))
    if used <= burst:
        return RateDecision(True, burst, burst - used, to_next_second, 0, scope)
    # next second the window is this second's count plus the new request
    wait = to_next_second if this_second < burst else to_next_second + 1
    return RateDecision(False, burst, 0, wait, wait, scope)


def blocked_until(decision: RateDecision, now: float) -> int:
    """The epoch second before which this container may refuse without counting again."""
    return math.floor(now) + decision.retry_after_seconds


def refused_locally(burst: int, until: int, now: float, scope: str) -> RateDecision:
    wait = max(1, math.ceil(until - now))
    return RateDecision(False, burst, 0, wait, wait, scope)


def rate_headers(decision: RateDecision) -> dict[str, str]:
    """The ``RateLimit-*`` headers of a reply (IETF draft names), ``Retry-After`` on a
    refusal."""
    headers = {
        "RateLimit-Limit": str(decision.limit),
        "RateLimit-Remaining": str(decision.remaining),
        "RateLimit-Reset": str(decision.reset_seconds),
        "RateLimit-Policy": f"{decision.limit};w={WINDOW_SECONDS}",
    }
    if not decision.allowed:
        headers["Retry-After"] = str(decision.retry_after_seconds)
    return headers


def failure_retry_after(failures: list[float], now: float) -> int:
    """Seconds an address must wait, given the times of its recent failed authentications
    (0: it may try). Failures older than the window do not count."""
    recent = [t for t in failures if now - t < FAILURE_WINDOW_SECONDS]
    if len(recent) < FAILURES_PER_IP:
        return 0
    oldest_that_blocks = sorted(recent)[-FAILURES_PER_IP]
    return max(1, math.ceil(oldest_that_blocks + FAILURE_WINDOW_SECONDS - now))
