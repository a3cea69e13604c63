"""The ``RequestKeys`` contract: ``FakeRequestKeys`` and ``DynamoRequestKeys`` pass the same
tests, both reading one moved clock: the first request runs, the same body replays its reply,
another body or a request still in its lease is a 409; a request that died mid-way frees
the key after its lease (for the same body only); an expired entry is absent whether or not
TTL deleted it; keys are apart per tenant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.core import ids
from chalicelib.core.errors import Conflict
from chalicelib.sending.ports import RequestKeys
from chalicelib.sending.request_keys import LEASE_SECONDS, TTL_SECONDS
from tests.fakes.core import FakeClock
from tests.fakes.sending import FakeRequestKeys
from tests.functional.twins import TWINS, twin

REPLY = {"id": "msg_1", "status": "queued", "tags": ["a"]}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture(params=TWINS)
def keys(request, clock) -> RequestKeys:
    def real() -> RequestKeys:
        from chalicelib.core import wiring
        from chalicelib.sending.wiring import request_keys

        wiring.override("core.clock", clock)
        return request_keys()

    return twin(request, lambda: FakeRequestKeys(clock), real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def _conflict(call) -> Conflict:
    with pytest.raises(Conflict) as raised:
        call()
    assert raised.value.details["field"] == "Idempotency-Key"
    return raised.value


def test_the_first_request_runs_and_the_same_body_gets_its_reply(keys, tenant_id):
    assert keys.begin(tenant_id, "k1", "body-a") is None
    keys.finish(tenant_id, "k1", "body-a", 202, REPLY)
    assert keys.begin(tenant_id, "k1", "body-a") == (202, REPLY)


def test_another_body_with_the_key_is_a_conflict_while_running_and_once_done(keys, tenant_id):
    keys.begin(tenant_id, "k1", "body-a")
    assert "different request body" in _conflict(lambda: keys.begin(tenant_id, "k1", "b")).message
    keys.finish(tenant_id, "k1", "body-a", 202, REPLY)
    assert "different request body" in _conflict(lambda: keys.begin(tenant_id, "k1", "b")).message


def test_a_request_still_in_its_lease_holds_the_key(keys, tenant_id, clock):
    keys.begin(tenant_id, "k1", "body-a")
    clock.advance(LEASE_SECONDS)  # the lease's last second: still held
    error = _conflict(lambda: keys.begin(tenant_id, "k1", "body-a"))
    assert "still being processed" in error.message
    assert error.details["lease_seconds"] == LEASE_SECONDS


def test_after_the_lease_a_retry_takes_the_key_over_and_its_reply_is_replayed(
    keys, tenant_id, clock
):
    # given a request that began and died without finishing or abandoning
    keys.begin(tenant_id, "k1", "body-a")
    # when the same body is retried after the lease
    clock.advance(LEASE_SECONDS + 1)
    assert keys.begin(tenant_id, "k1", "body-a") is None
    # then the retry holds a fresh lease of its own ...
    clock.advance(LEASE_SECONDS)
    assert (
        "still being processed" in _conflict(lambda: keys.begin(tenant_id, "k1", "body-a")).message
    )
    # ... and once it finishes, its reply is what the key replays
    keys.finish(tenant_id, "k1", "body-a", 202, REPLY)
    assert keys.begin(tenant_id, "k1", "body-a") == (202, REPLY)


def test_after_the_lease_another_body_still_cannot_use_the_key(keys, tenant_id, clock):
    keys.begin(tenant_id, "k1", "body-a")
    clock.advance(LEASE_SECONDS + 1)
    assert "different request body" in _conflict(lambda: keys.begin(tenant_id, "k1", "b")).message


def test_a_finished_reply_is_replayed_for_its_whole_day_and_never_leased_away(
    keys, tenant_id, clock
):
    keys.begin(tenant_id, "k1", "body-a")
    keys.finish(tenant_id, "k1", "body-a", 202, REPLY)
    clock.advance(TTL_SECONDS)
    assert keys.begin(tenant_id, "k1", "body-a") == (202, REPLY)


def test_an_expired_entry_counts_as_absent_even_before_ttl_deletes_it(keys, tenant_id, clock):
    keys.begin(tenant_id, "done", "body-a")
    keys.finish(tenant_id, "done", "body-a", 202, REPLY)
    keys.begin(tenant_id, "running", "body-a")
    clock.advance(TTL_SECONDS + 1)
    assert keys.begin(tenant_id, "done", "another body") is None
    assert keys.begin(tenant_id, "running", "another body") is None


def test_an_abandoned_key_is_free_at_once(keys, tenant_id):
    keys.begin(tenant_id, "k1", "body-a")
    keys.abandon(tenant_id, "k1")
    assert keys.begin(tenant_id, "k1", "body-b") is None


def test_keys_are_apart_per_tenant(keys, tenant_id):
    other = ids.new_id("ten")
    keys.begin(tenant_id, "k1", "body-a")
    assert keys.begin(other, "k1", "body-b") is None
    keys.finish(other, "k1", "body-b", 202, {"id": "theirs"})
    keys.finish(tenant_id, "k1", "body-a", 202, REPLY)
    assert keys.begin(tenant_id, "k1", "body-a") == (202, REPLY)
    assert keys.begin(other, "k1", "body-b") == (202, {"id": "theirs"})


def test_the_lease_outlasts_the_api_function_so_its_holder_is_gone_when_it_ends():
    config = json.loads((Path(__file__).parents[3] / ".chalice" / "config.json").read_text())
    timeouts = [config["lambda_timeout"]]
    timeouts += [stage.get("lambda_timeout", 0) for stage in config["stages"].values()]
    assert LEASE_SECONDS > max(timeouts)
