"""API rate limits: the window rules and authentication within the limits, over the fake
counter, the container's memory and a clock the tests move."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.accounts.local_limits import MemoryLimits
from chalicelib.accounts.rules import limits
from chalicelib.accounts.rules.limits import WindowCounts, decide
from chalicelib.accounts.service.limits import LimitPorts, admit, within_limits
from chalicelib.core.errors import RateLimited, Unauthorized
from chalicelib.core.tenancy import RequestContext, TenantContext
from tests.fakes.accounts import FakeRateCounter
from tests.fakes.core import FakeClock

START = datetime(2026, 11, 28, 12, 0, 10, tzinfo=UTC)  # second 10 of a minute


@pytest.fixture
def ports() -> LimitPorts:
    return LimitPorts(counter=FakeRateCounter(), memory=MemoryLimits(), clock=FakeClock(START))


def _tenant(plan: str = "starter", tenant_id: str = "ten_a", key_id: str = "key_1"):
    return TenantContext(tenant_id, key_id, "send", plan)


def _calls(ports: LimitPorts, ctx: TenantContext, count: int) -> tuple[int, int]:
    """(admitted, refused) of ``count`` calls at the clock's current time."""
    admitted = 0
    for _ in range(count):
        try:
            admit(ports, ctx)
            admitted += 1
        except RateLimited:
            pass
    return admitted, count - admitted


# --- the rules ------------------------------------------------------------------------------


def test_the_plan_table_gives_bursts_of_twice_the_sustained_rate():
    assert {p: (r.sustained_per_second, r.burst) for p, r in limits.API_RATES.items()} == {
        "starter": (20, 40),
        "professional": (50, 100),
        "business": (100, 200),
        "enterprise": (300, 600),
    }
    assert all(
        r.burst == r.sustained_per_second * limits.WINDOW_SECONDS for r in limits.API_RATES.values()
    )
    assert limits.burst_for("starter", scale=2.5) == 100
    assert limits.burst_for("no-such-plan") == 40


def test_a_window_at_its_limit_is_allowed_and_one_more_is_not():
    at_limit = decide(WindowCounts(tenant=(15, 25), key=(0, 25)), 40, 100.25)
    assert (at_limit.allowed, at_limit.remaining, at_limit.reset_seconds) == (True, 0, 1)
    over = decide(WindowCounts(tenant=(15, 26), key=(0, 26)), 40, 100.25)
    assert (over.allowed, over.remaining, over.retry_after_seconds, over.scope) == (
        False,
        0,
        1,
        "tenant",
    )


def test_a_second_already_over_the_burst_waits_for_the_next_one_too():
    over = decide(WindowCounts(tenant=(0, 45), key=(0, 45)), 40, 100.5)
    assert over.retry_after_seconds == 2


def test_the_key_window_refuses_when_it_is_the_fuller_one():
    # a key's counts can only exceed the tenant's if the key's limit is the tighter
    over = decide(WindowCounts(tenant=(1, 1), key=(30, 20)), 40, 7.0)
    assert (over.allowed, over.scope) == (False, "key")


def test_headers_name_the_limit_the_room_and_the_reset():
    refused = decide(WindowCounts(tenant=(40, 1), key=(40, 1)), 40, 7.0)
    assert limits.rate_headers(refused) == {
        "RateLimit-Limit": "40",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "1",
        "RateLimit-Policy": "40;w=2",
        "Retry-After": "1",
    }
    assert "Retry-After" not in limits.rate_headers(decide(WindowCounts((0, 1), (0, 1)), 40, 7))


def test_an_address_is_refused_at_its_twentieth_failure_until_it_leaves_the_window():
    failures = [100.0 + i * 0.1 for i in range(19)]
    assert limits.failure_retry_after(failures, 102.0) == 0
    failures.append(102.0)
    assert limits.failure_retry_after(failures, 102.0) == 8  # the first left at 110.0
    assert limits.failure_retry_after(failures, 110.05) == 0


# --- the service ----------------------------------------------------------------------------


def test_a_starter_tenant_gets_its_burst_of_40_at_once_and_no_more(ports):
    admitted, refused = _calls(ports, _tenant(), 50)
    assert (admitted, refused) == (40, 10)


def test_the_sustained_rate_is_20_a_second(ports):
    # given a starter tenant calling 20 times in every second for ten seconds
    admitted = 0
    for _ in range(10):
        admitted += _calls(ports, _tenant(), 20)[0]
        ports.clock.advance(1)
    # then all of them got in; at 21 a second, about one in twenty-one is refused
    assert admitted == 200
    admitted_faster = 0
    for _ in range(10):
        ports.clock.advance(1)
        admitted_faster += _calls(ports, _tenant(tenant_id="ten_b"), 30)[0]
    assert 190 <= admitted_faster <= 220  # burst/2 a second on average, never 300


def test_the_window_rolls_a_full_second_frees_room(ports):
    # given a starter tenant that used its whole burst in one second
    assert _calls(ports, _tenant(), 40) == (40, 0)
    # when the next second comes, the previous one is still in the window
    ports.clock.advance(1)
    assert _calls(ports, _tenant(), 1) == (0, 1)
    # then a second later the burst is back, less the refused attempt (attempts count)
    ports.clock.advance(1)
    assert _calls(ports, _tenant(), 40) == (39, 1)
    ports.clock.advance(2)
    assert _calls(ports, _tenant(), 40) == (40, 0)


def test_a_refusal_carries_retry_after_and_the_headers(ports):
    # given 25 calls in one second and 15 in the next
    _calls(ports, _tenant(), 25)
    ports.clock.advance(1)
    _calls(ports, _tenant(), 15)
    # when one more comes, it must wait for the older second to leave the window
    with pytest.raises(RateLimited) as refused:
        admit(ports, _tenant())
    error = refused.value
    assert (error.status, error.code) == (429, "rate_limited")
    assert error.details == {
        "limit": 40,
        "window_seconds": 2,
        "retry_after_seconds": 1,
        "scope": "tenant",
    }
    assert error.headers()["Retry-After"] == "1"
    assert error.headers()["RateLimit-Remaining"] == "0"


def test_an_admitted_request_reports_the_room_left(ports):
    headers = admit(ports, _tenant("professional"))
    assert headers["RateLimit-Limit"] == "100" and headers["RateLimit-Remaining"] == "99"


def test_once_refused_the_container_refuses_without_counting_until_the_window_frees(ports):
    _calls(ports, _tenant(), 41)
    writes = ports.counter.writes
    assert _calls(ports, _tenant(), 100) == (0, 100)
    assert ports.counter.writes == writes  # refused from memory: no write
    ports.clock.advance(1)  # the 41 attempts of the full second are still in the window
    assert _calls(ports, _tenant(), 1) == (0, 1)
    ports.clock.advance(1)
    assert _calls(ports, _tenant(), 1) == (1, 0)


def test_each_key_is_limited_with_the_tenant_and_tenants_apart(ports):
    # given one key of a tenant took the whole burst
    _calls(ports, _tenant(key_id="key_noisy"), 45)
    # then the tenant's other keys wait too, and another tenant is unaffected
    assert _calls(ports, _tenant(key_id="key_quiet"), 1) == (0, 1)
    assert _calls(ports, _tenant(tenant_id="ten_other"), 40) == (40, 0)


def test_the_scale_setting_multiplies_every_plans_burst(ports):
    ports.scale = 10
    assert _calls(ports, _tenant(), 400) == (400, 0)


# --- authentication within the limits ------------------------------------------------------


def _failing() -> RequestContext:
    raise Unauthorized("the API key is not valid or has been revoked")


def test_an_address_cycling_invalid_keys_is_refused_before_authentication(ports):
    # given twenty failed authentications from one address
    for _ in range(20):
        with pytest.raises(Unauthorized):
            within_limits(ports, "203.0.113.9", _failing)
    asked = []

    def authenticate() -> RequestContext:
        asked.append(1)
        return _failing()

    # when it tries again, it is refused without authentication being asked (no read)
    with pytest.raises(RateLimited) as refused:
        within_limits(ports, "203.0.113.9", authenticate)
    assert asked == [] and refused.value.details["scope"] == "source_ip"
    assert refused.value.headers()["Retry-After"] == "10"
    # and another address is not
    with pytest.raises(Unauthorized):
        within_limits(ports, "198.51.100.7", authenticate)
    # then once the window has passed, the address may try again
    ports.clock.advance(10)
    with pytest.raises(Unauthorized):
        within_limits(ports, "203.0.113.9", authenticate)


def test_a_tenant_caller_gets_its_headers_and_the_admin_no_tenant_limit(ports):
    tenant = RequestContext("req", "192.0.2.1", tenant=_tenant())
    ctx = within_limits(ports, "192.0.2.1", lambda: tenant)
    assert dict(ctx.headers)["RateLimit-Remaining"] == "39"
    admin = RequestContext("req", "192.0.2.1", is_admin=True)
    for _ in range(100):
        assert within_limits(ports, "192.0.2.1", lambda: admin).headers == ()
    assert ports.counter.writes == 1


def test_the_container_memory_stays_bounded():
    memory = MemoryLimits(max_entries=3)
    for i in range(10):
        memory.charge_failure(f"10.0.0.{i}", 1.0)
        memory.block(f"t#{i}", 5)
    assert memory.failures("10.0.0.0") == [] and memory.failures("10.0.0.9") == [1.0]
    assert memory.blocked_until("t#0") == 0 and memory.blocked_until("t#9") == 5
