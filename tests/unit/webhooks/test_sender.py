"""The sender over fakes: a signed POST; on failure backoff, then parked 24 hours after the
first attempt; an endpoint failing for more than 24 hours is disabled once, with one
notification; a success ends the streak; over the rate limit a delivery waits uncounted."""

from __future__ import annotations

import json

from chalicelib.core.events import new_event
from chalicelib.webhooks.rules import signing
from chalicelib.webhooks.service import deliver as sender
from chalicelib.webhooks.service import dispatch, endpoints
from tests.fakes.core import FakeClock
from tests.fakes.webhooks import FakeLimiter, ScriptedPoster, webhook_ports

TENANT = "ten_" + "a" * 20
URL = "https://hooks.example.com/in"


def _world(script=None):
    clock = FakeClock()
    ports = webhook_ports(poster=ScriptedPoster(script or [200]), clock=clock)
    endpoint, secret = endpoints.create(ports, TENANT, URL, None, True, None)
    return ports, clock, endpoint, secret


def _queue_one(ports, clock, message_id="msg_abcdefghijkl"):
    event = new_event("message.sent", TENANT, clock.now_iso(), message_id=message_id)
    dispatch.dispatch(ports, [event])
    return ports.queue.sent[-1].body(), event


def test_a_delivery_is_posted_signed_with_the_contract_headers():
    ports, clock, endpoint, secret = _world()
    message, event = _queue_one(ports, clock)
    outcome = sender.deliver(ports, message)
    assert outcome.status == "delivered" and outcome.retry_in is None
    url, body, headers = ports.poster.posts[0]
    assert url == URL and json.loads(body) == event
    assert headers["PenguinMails-Event-Id"] == event["event_id"]
    assert headers["PenguinMails-Event-Type"] == "message.sent"
    assert headers["PenguinMails-Delivery-Id"] == message["delivery_id"]
    assert headers["Content-Type"] == "application/json"
    assert signing.verify(headers["PenguinMails-Signature"], body, secret, clock.now().timestamp())
    stored = ports.deliveries.get(TENANT, endpoint.endpoint_id, message["delivery_id"])
    assert (stored.status, stored.attempts, stored.response_code) == ("delivered", 1, 200)


def test_a_delivered_delivery_is_not_sent_again():
    ports, clock, _, _ = _world()
    message, _ = _queue_one(ports, clock)
    sender.deliver(ports, message)
    assert sender.deliver(ports, message).status == "skipped"
    assert len(ports.poster.posts) == 1


def test_after_a_rotation_both_secrets_sign_for_a_day():
    ports, clock, endpoint, old = _world()
    _, new = endpoints.rotate_secret(ports, TENANT, endpoint.endpoint_id)
    message, _ = _queue_one(ports, clock)
    sender.deliver(ports, message)
    _, body, headers = ports.poster.posts[-1]
    header = headers["PenguinMails-Signature"]
    assert header.count("v1=") == 2
    for secret in (new, old):
        assert signing.verify(header, body, secret, clock.now().timestamp())
    clock.advance(24 * 3600 + 1)
    message, _ = _queue_one(ports, clock, "msg_bcdefghijklm")
    sender.deliver(ports, message)
    _, body, headers = ports.poster.posts[-1]
    assert headers["PenguinMails-Signature"].count("v1=") == 1
    assert not signing.verify(headers["PenguinMails-Signature"], body, old, clock.now().timestamp())


def test_failures_back_off_then_park_24_hours_after_the_first_attempt():
    # given a receiver that always answers 500
    ports, clock, endpoint, _ = _world([500])
    message, _ = _queue_one(ports, clock)
    # when the sender tries whenever the queue gives the message back
    delays = []
    while True:
        outcome = sender.deliver(ports, message)
        if outcome.status == "parked":
            break
        delays.append(outcome.retry_in)
        clock.advance(outcome.retry_in)
    # then it backed off 30 s, 60 s, ... up to an hour, and parked after 24 hours
    assert delays[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert set(delays[8:]) == {3600}
    stored = ports.deliveries.get(TENANT, endpoint.endpoint_id, message["delivery_id"])
    assert stored.status == "parked" and stored.attempts == len(delays) + 1
    assert stored.response_code == 500 and stored.last_error == "HTTP 500"
    assert sum(delays) >= 24 * 3600 - 3600


def test_an_endpoint_failing_for_over_24_hours_is_disabled_with_one_notification():
    ports, clock, endpoint, _ = _world([500])
    message, _ = _queue_one(ports, clock)
    sender.deliver(ports, message)
    assert ports.endpoints.get(TENANT, endpoint.endpoint_id).failing_since == clock.now_iso()
    clock.advance(24 * 3600)
    sender.deliver(ports, message)  # exactly 24 hours: not yet
    assert ports.endpoints.get(TENANT, endpoint.endpoint_id).enabled
    clock.advance(1)
    second, _ = _queue_one(ports, clock, "msg_bcdefghijklm")
    third, _ = _queue_one(ports, clock, "msg_cdefghijklmn")
    sender.deliver(ports, second)
    after = ports.endpoints.get(TENANT, endpoint.endpoint_id)
    assert not after.enabled and after.disabled_reason == sender.DISABLED_REASON
    assert [(t, k) for t, k, _ in ports.notify.sent] == [(TENANT, "webhook.disabled")]
    # a delivery still waiting for the disabled endpoint is parked, and nobody is told twice
    assert sender.deliver(ports, third).status == "parked"
    waiting = ports.deliveries.get(TENANT, endpoint.endpoint_id, third["delivery_id"])
    assert waiting.last_error == "endpoint disabled"
    assert len(ports.notify.sent) == 1


def test_a_success_ends_the_failure_streak():
    ports, clock, endpoint, _ = _world([500, 200])
    message, _ = _queue_one(ports, clock)
    sender.deliver(ports, message)
    clock.advance(30)
    assert sender.deliver(ports, message).status == "delivered"
    assert ports.endpoints.get(TENANT, endpoint.endpoint_id).failing_since is None


def test_a_redirect_is_a_failure():
    ports, clock, endpoint, _ = _world([302])
    message, _ = _queue_one(ports, clock)
    assert sender.deliver(ports, message).status == "retrying"
    stored = ports.deliveries.get(TENANT, endpoint.endpoint_id, message["delivery_id"])
    assert (stored.status, stored.response_code) == ("retrying", 302)


def test_over_the_rate_a_delivery_waits_a_second_without_counting_an_attempt():
    ports, clock, endpoint, _ = _world()
    ports.limiter = FakeLimiter(per_second=2)
    messages = [_queue_one(ports, clock, f"msg_{c * 12}")[0] for c in "bcd"]
    outcomes = [sender.deliver(ports, m) for m in messages]
    assert [o.status for o in outcomes] == ["delivered", "delivered", "rate_limited"]
    assert outcomes[2].retry_in == 1
    waiting = ports.deliveries.get(TENANT, endpoint.endpoint_id, messages[2]["delivery_id"])
    assert waiting.attempts == 0 and waiting.status == "pending"
    clock.advance(1)
    assert sender.deliver(ports, messages[2]).status == "delivered"
