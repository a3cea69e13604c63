"""API rate limits through the Chalice app over moto: a tenant over its plan's window gets a
429 with ``Retry-After`` and the ``RateLimit-*`` headers while another tenant is served,
every admitted reply carries the headers, a request pays one UpdateItem for its count, an
address cycling invalid keys is refused before any read, operators and the public routes
are never tenant-limited, and a refused send never counts against the monthly quota.

The limiter's clock is frozen (``override("accounts.limit_ports", …)``), so every request of
a test falls in one second whatever the machine's speed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.core import FakeClock
from tests.functional.conftest import ADMIN_KEY
from tests.functional.outbox import kinesis_batch, stream_events

RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@pytest.fixture
def frozen(aws):
    """The limiter's clock, frozen in the middle of a minute an hour ago; the test moves it.
    In the past, so no request a fixture made on the real clock shares its per-second
    counters (at hh:mm:30 of the current minute they would, now and then)."""
    from chalicelib.accounts.local_limits import MemoryLimits
    from chalicelib.accounts.service.limits import LimitPorts
    from chalicelib.accounts.wiring import rate_counter
    from chalicelib.core import wiring

    clock = FakeClock(datetime.now(UTC).replace(second=30, microsecond=0) - timedelta(hours=1))

    def freeze(scale: float = 1.0) -> FakeClock:
        ports = LimitPorts(rate_counter(), MemoryLimits(), clock, scale)
        wiring.override("accounts.limit_ports", ports)
        return clock

    freeze()
    return freeze


@pytest.fixture
def dynamodb_calls(aws):
    """Every DynamoDB operation the shared client makes, as (operation, table)."""
    from chalicelib.aws import clients

    calls: list[tuple[str, str]] = []

    def seen(model, params, **_):
        calls.append((model.name, params.get("TableName", "")))

    events = clients.dynamodb().meta.events
    events.register("before-parameter-build.dynamodb", seen)
    yield calls
    events.unregister("before-parameter-build.dynamodb", seen)


def test_a_starter_tenant_over_its_burst_gets_429s_with_headers_and_another_is_served(api, frozen):
    # given two starter tenants
    _, noisy = api.new_tenant("starter")
    _, quiet = api.new_tenant("starter")
    # when the first calls 45 times in one second
    replies = [api.call("GET", "/v1/messages", noisy) for _ in range(45)]
    # then its burst of 40 is served, each reply saying the room left, and the rest refused
    assert [r.status_code for r in replies] == [200] * 40 + [429] * 5
    assert [int(r.headers["RateLimit-Remaining"]) for r in replies[:40]] == list(range(39, -1, -1))
    refused = replies[40]
    assert {h: refused.headers[h] for h in (*RATE_HEADERS, "Retry-After")} == {
        "RateLimit-Limit": "40",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "2",
        "Retry-After": "2",
    }
    assert refused.data["error"]["code"] == "rate_limited"
    assert refused.data["error"]["details"] == {
        "limit": 40,
        "window_seconds": 2,
        "retry_after_seconds": 2,
        "scope": "tenant",
    }
    # and the other tenant is served in the same second
    other = api.call("GET", "/v1/messages", quiet)
    assert other.status_code == 200 and other.headers["RateLimit-Remaining"] == "39"
    # then once the window has passed, the first is served again
    frozen().advance(2)
    assert api.call("GET", "/v1/messages", noisy).status_code == 200


def test_an_admitted_request_pays_one_update_item_for_its_count(api, frozen, dynamodb_calls):
    from chalicelib.core.settings import settings

    _, key = api.new_tenant("starter")
    dynamodb_calls.clear()
    # when one read-only request is served
    assert api.call("GET", "/v1/messages", key).status_code == 200
    # then its only write is the one UpdateItem of the rate counter
    writes = [c for c in dynamodb_calls if c[0] in WRITES]
    assert writes == [("UpdateItem", settings().table("ApiLimitsTable"))]


def test_an_address_cycling_invalid_keys_is_refused_before_any_read(api, frozen, dynamodb_calls):
    # given twenty invalid keys from one address, each a 401
    _, key = api.new_tenant("starter")
    forged = [key[:-4] + f"{n:04d}" for n in range(20)]
    assert {api.call("GET", "/v1/messages", k).status_code for k in forged} == {401}
    dynamodb_calls.clear()
    # when it tries once more, even with a valid key
    refused = api.call("GET", "/v1/messages", key)
    # then it is refused from memory: 429, no DynamoDB call at all
    assert refused.status_code == 429 and dynamodb_calls == []
    assert refused.data["error"]["details"]["scope"] == "source_ip"
    assert refused.headers["Retry-After"] == "10"
    # and the admin routes are behind the same address limit
    assert api.call("GET", "/v1/tenants/ten_abcdefghijklmnopqrst", ADMIN_KEY).status_code == 429
    frozen().advance(10)
    assert api.call("GET", "/v1/messages", key).status_code == 200


def test_operators_and_the_public_routes_are_not_tenant_limited(api, frozen, dynamodb_calls):
    frozen(scale=0.05)  # a starter burst of 2
    tenant, _ = api.new_tenant("starter")
    dynamodb_calls.clear()
    # when the admin and a recipient's pixel call far more than a burst in one second
    admin = [api.call("GET", f"/v1/tenants/{tenant['id']}", ADMIN_KEY) for _ in range(5)]
    pixel = [api.client.http.get("/t/o/not-a-token") for _ in range(5)]
    # then all are served, without a rate counter or its headers
    assert {r.status_code for r in admin} == {200} and {r.status_code for r in pixel} == {200}
    assert not any("RateLimit-Limit" in r.headers for r in admin + pixel)
    assert not any(op == "UpdateItem" and "api-limits" in t for op, t in dynamodb_calls)


class _Context:
    aws_request_id = "req-functional"
    function_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def test_a_refused_send_never_counts_against_the_monthly_quota(sending, frozen, aws):
    from chalicelib.analytics import month_period
    from chalicelib.core import wiring
    from functions import event_consumer

    # given a tenant whose window holds two requests (scaled down), both sends
    clock = frozen(scale=0.01)
    first, second = sending.send("a@example.test"), sending.send("b@example.test")
    # when a third send comes in the same second
    body = {"from": sending.mailbox["id"], "to": "c@example.test", "subject": "Hi", "text": "x"}
    refused = sending.api.call("POST", "/v1/messages", sending.key, body)
    # then it is refused, and only the two accepted messages exist and count
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    clock.advance(3)
    listed = sending.api.call("GET", "/v1/messages", sending.key).data["items"]
    assert {m["id"] for m in listed} == {first["id"], second["id"]}
    queued = [
        e for e in stream_events(aws, "message.queued") if e["tenant_id"] == sending.tenant_id
    ]
    assert len(queued) == 2
    assert event_consumer.handler(kinesis_batch(queued), _Context()) == {"batchItemFailures": []}
    month = datetime.now(UTC).strftime("%Y-%m")
    counted = wiring.get("analytics.counters")().read(sending.tenant_id, month_period(month))
    assert counted.get("message_queued") == 2
