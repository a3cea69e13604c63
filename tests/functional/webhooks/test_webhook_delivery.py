"""Webhooks end to end over moto: the dispatcher (Kinesis-shaped records) queues deliveries on
the FIFO queue, the sender posts them to a real HTTP receiver on 127.0.0.1 that checks the
signature and headers; a redirect is a failure; a failing receiver is retried, then parked
when the clock has moved 24 hours; a replay sends the same event ids again."""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from chalicelib.core.events import new_event
from chalicelib.webhooks.rules import signing
from functions import webhook_dispatcher, webhook_replayer, webhook_sender
from tests.fakes.core import FakeClock


class Receiver:
    """An HTTP server in a thread answering every POST with ``status`` (and ``Location``)."""

    def __init__(self, status: int = 200) -> None:
        self.status, self.requests = status, []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append((dict(self.headers), body))
                self.send_response(owner.status)
                if 300 <= owner.status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def clock(aws):
    from chalicelib.core import wiring

    fake = FakeClock(datetime.now(UTC))  # now: the signature's ``t`` is the wall clock's
    wiring.override("core.clock", fake)
    return fake


def _kinesis(events):
    return {
        "Records": [
            {
                "kinesis": {
                    "data": base64.b64encode(json.dumps(e).encode()).decode(),
                    "sequenceNumber": str(i),
                }
            }
            for i, e in enumerate(events)
        ]
    }


def _drain(queue_url, handler, rounds=20):
    """Receive what is visible and hand it to ``handler`` as Lambda would; the replies."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    replies = []
    for _ in range(rounds):
        got = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=30
        ).get("Messages", [])
        if not got:
            return replies
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for m in got
        ]
        reply = handler({"Records": records}, None)
        failed = {f["itemIdentifier"] for f in reply.get("batchItemFailures", [])}
        for m in got:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        replies.append(reply)
    return replies


def _hook(api, key, url, **extra):
    reply = api.call("POST", "/v1/webhooks", key, {"url": url, **extra})
    assert reply.status_code == 201, reply.data
    return reply.data


def _message_events(tenant_id, clock, message_id="msg_abcdefghijklmnop"):
    kinds = ("message.queued", "message.sending", "message.sent", "message.delivered")
    made = []
    for kind in kinds:
        made.append(new_event(kind, tenant_id, clock.now_iso(), message_id=message_id))
        clock.advance(1)
    return made


def test_every_event_of_a_message_arrives_signed_and_in_order(api, aws, clock, receiver):
    tenant, key = api.new_tenant()
    hook = _hook(api, key, receiver.url)
    events = _message_events(tenant["id"], clock)
    # when the dispatcher sees the batch twice (a retried stream batch)
    webhook_dispatcher.handler(_kinesis(events), None)
    webhook_dispatcher.handler(_kinesis(events), None)
    _drain(aws["WebhookDeliveriesQueueUrl"], webhook_sender.handler)
    # then each event arrived once, in order, signed with the endpoint's secret
    assert [json.loads(body)["event_id"] for _, body in receiver.requests] == [
        e["event_id"] for e in events
    ]
    for (headers, body), event in zip(receiver.requests, events, strict=True):
        assert headers["Content-Type"] == "application/json"
        assert headers["PenguinMails-Event-Id"] == event["event_id"]
        assert headers["PenguinMails-Event-Type"] == event["type"]
        assert headers["PenguinMails-Delivery-Id"].startswith("wdl_")
        assert signing.verify(
            headers["PenguinMails-Signature"], body, hook["secret"], clock.now().timestamp()
        )
    log = api.call("GET", f"/v1/webhooks/{hook['id']}/deliveries", key).data["items"]
    assert [d["event_id"] for d in log] == [e["event_id"] for e in reversed(events)]
    assert {(d["status"], d["attempts"], d["response_code"]) for d in log} == {
        ("delivered", 1, 200)
    }


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(api, aws, clock):
    redirecting = Receiver(302)
    try:
        tenant, key = api.new_tenant()
        hook = _hook(api, key, redirecting.url)
        reply = api.call("POST", f"/v1/webhooks/{hook['id']}/test", key)
        assert reply.status_code == 202
        _drain(aws["WebhookDeliveriesQueueUrl"], webhook_sender.handler, rounds=1)
        assert len(redirecting.requests) == 1  # Location was not followed
        log = api.call("GET", f"/v1/webhooks/{hook['id']}/deliveries", key).data["items"]
        assert log[0]["id"] == reply.data["delivery_id"]
        assert (log[0]["status"], log[0]["response_code"], log[0]["attempts"]) == (
            "retrying",
            302,
            1,
        )
        assert log[0]["next_attempt_at"] is not None
    finally:
        redirecting.close()


def test_a_failing_receiver_is_retried_then_parked_after_24_hours(api, aws, clock):
    failing = Receiver(500)
    try:
        tenant, key = api.new_tenant()
        hook = _hook(api, key, failing.url)
        webhook_dispatcher.handler(_kinesis(_message_events(tenant["id"], clock)[:1]), None)
        _drain(aws["WebhookDeliveriesQueueUrl"], webhook_sender.handler, rounds=1)
        clock.advance(3600)
        _drain(aws["WebhookDeliveriesQueueUrl"], webhook_sender.handler, rounds=1)
        log = api.call("GET", f"/v1/webhooks/{hook['id']}/deliveries", key).data["items"]
        assert (log[0]["status"], log[0]["attempts"]) == ("retrying", 2)
        clock.advance(24 * 3600)
        _drain(aws["WebhookDeliveriesQueueUrl"], webhook_sender.handler, rounds=1)
        log = api.call("GET", f"/v1/webhooks/{hook['id']}/deliveries", key).data["items"]
        assert (log[0]["status"], log[0]["attempts"], log[0]["next_attempt_at"]) == (
            "parked",
            3,
            None,
        )
        assert len(failing.requests) == 3
        # the endpoint failed for more than 24 hours: disabled
        endpoint = api.call("GET", f"/v1/webhooks/{hook['id']}", key).data
        assert endpoint["enabled"] is False and endpoint["disabled_reason"]
    finally:
        failing.close()


def test_a_replay_of_the_last_hour_sends_the_same_event_ids_again(api, aws, clock, receiver):
    tenant, key = api.new_tenant()
    hook = _hook(api, key, receiver.url)
    start = clock.now_iso()
    events = _message_events(tenant["id"], clock)
    webhook_dispatcher.handler(_kinesis(events), None)
    _drain(aws["WebhookDeliveriesQueueUrl"], webhook_sender.handler)
    clock.advance(60)
    reply = api.call(
        "POST", f"/v1/webhooks/{hook['id']}/replay", key, {"from": start, "to": clock.now_iso()}
    )
    assert reply.status_code == 202, reply.data
    job = reply.data
    assert job["status"] == "pending" and job["progress"] == {"total": 0, "done": 0}
    _drain(aws["WebhookReplaysQueueUrl"], webhook_replayer.handler)
    _drain(aws["WebhookDeliveriesQueueUrl"], webhook_sender.handler)
    ids = [json.loads(body)["event_id"] for _, body in receiver.requests]
    assert ids == [e["event_id"] for e in events] * 2
    done = api.call("GET", f"/v1/webhooks/{hook['id']}/replays/{job['id']}", key).data
    assert done["status"] == "completed" and done["progress"] == {"total": 4, "done": 4}
