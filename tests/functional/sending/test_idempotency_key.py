"""``Idempotency-Key`` on both send routes (``POST /v1/messages`` and ``/v1/messages/batch``),
over moto with a moved clock: replay of the first reply, 409 for another body or a request
still running, a request that died mid-way (no clean-up ran) freeing its key after the lease,
keys apart per tenant, and malformed keys refused with the header named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.sending.request_keys import LEASE_SECONDS
from tests.fakes.core import FakeClock

ROUTES = ["/v1/messages", "/v1/messages/batch"]


class LambdaDied(BaseException):
    """What a Lambda timeout looks like to the request: it stops, no ``except`` runs."""


class DiesOnce:
    """The message bodies' store, but the first write kills the request."""

    def __init__(self, real) -> None:
        self.real, self.died = real, False

    def put(self, key, body) -> None:
        if not self.died:
            self.died = True
            raise LambdaDied
        self.real.put(key, body)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def clock(aws) -> FakeClock:
    from chalicelib.core import wiring

    moved = FakeClock(datetime.now(UTC).replace(microsecond=0))
    wiring.override("core.clock", moved)
    return moved


def _body(s, path: str, to: str, **extra) -> dict:
    base = {"from": s.mailbox["id"], "subject": "Hi", "text": "Hello", **extra}
    if path.endswith("/batch"):
        return {**base, "recipients": [{"to": to}, {"to": f"second.{to}"}]}
    return {**base, "to": to}


def _post(s, path, body, key: str):
    return s.api.call("POST", path, s.key, body, headers={"Idempotency-Key": key})


def _ids(reply) -> list[str]:
    if "results" in reply.data:
        return [r["id"] for r in reply.data["results"]]
    return [reply.data["id"]]


def _queued_to(s, to: str) -> int:
    return len(s.api.call("GET", f"/v1/messages?to={to}", s.key).data["items"])


@pytest.mark.parametrize("path", ROUTES)
def test_the_same_key_and_body_replays_the_first_reply_and_another_body_is_409(
    sending, clock, path
):
    body = _body(sending, path, "replay@example.test")
    first = _post(sending, path, body, "order-1")
    again = _post(sending, path, body, "order-1")
    assert first.status_code == again.status_code == 202
    assert again.data == first.data and again.headers.get("Idempotent-Replayed") == "true"
    other = _post(sending, path, {**body, "subject": "Changed"}, "order-1")
    assert other.status_code == 409 and other.data["error"]["details"]["field"] == "Idempotency-Key"
    assert _queued_to(sending, "replay@example.test") == 1


@pytest.mark.parametrize("path", ROUTES)
def test_a_request_that_died_frees_its_key_after_the_lease(sending, clock, path):
    from chalicelib.core import wiring
    from chalicelib.sending.wiring import bodies

    # given a request that dies after taking the key, before any message is stored
    wiring.override("sending.bodies", DiesOnce(bodies()))
    body = _body(sending, path, "crash@example.test")
    with pytest.raises(LambdaDied):
        _post(sending, path, body, "order-2")
    # when the client retries within the lease, then the key is still held
    clock.advance(LEASE_SECONDS)
    held = _post(sending, path, body, "order-2")
    assert held.status_code == 409 and "still being processed" in held.data["error"]["message"]
    # when it retries after the lease, then the request runs ...
    clock.advance(1)
    retried = _post(sending, path, body, "order-2")
    assert retried.status_code == 202 and "Idempotent-Replayed" not in retried.headers
    # ... and from then on its reply is the one replayed; another body is still refused
    replayed = _post(sending, path, body, "order-2")
    assert replayed.data == retried.data and replayed.headers["Idempotent-Replayed"] == "true"
    assert _post(sending, path, {**body, "subject": "x"}, "order-2").status_code == 409
    assert _queued_to(sending, "crash@example.test") == 1


@pytest.mark.parametrize("path", ROUTES)
def test_keys_are_per_tenant(sending, api, clock, path):
    from tests.functional.worlds import sending_world

    # given tenant A's finished request with a key
    mine = _post(sending, path, _body(sending, path, "scope@example.test"), "shared-key")
    # when tenant B uses the same key value, with its own body
    other = sending_world(api)
    theirs = _post(other, path, _body(other, path, "scope@example.test"), "shared-key")
    # then B's request runs on its own: no replay of A's reply, no conflict with A's body
    assert theirs.status_code == 202 and "Idempotent-Replayed" not in theirs.headers
    assert set(_ids(theirs)).isdisjoint(_ids(mine))
    # and each tenant's key replays its own reply
    assert _post(sending, path, _body(sending, path, "scope@example.test"), "shared-key").data == (
        mine.data
    )
    assert _post(other, path, _body(other, path, "scope@example.test"), "shared-key").data == (
        theirs.data
    )


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "order\x01", "order\t42", "order 42", "order\x7f"],
    ids=["empty", "too_long", "control", "tab", "space", "delete"],
)
def test_a_malformed_key_is_400_naming_the_header_and_queues_nothing(sending, path, key):
    reply = _post(sending, path, _body(sending, path, "badkey@example.test"), key)
    assert reply.status_code == 400, reply.data
    assert reply.data["error"]["details"]["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in reply.data["error"]["message"]
    assert _queued_to(sending, "badkey@example.test") == 0


@pytest.mark.parametrize("path", ROUTES)
def test_the_longest_key_is_accepted(sending, path):
    reply = _post(sending, path, _body(sending, path, "longkey@example.test"), "k" * 255)
    assert reply.status_code == 202, reply.data
