"""The circuit breaker of a tenant SMTP server on the running platform: a mailbox of the
demo tenant points at a loopback port nobody listens on; after three refused batches the
messages that come up for it are deferred with the breaker's step (no attempt used for
them; only the half-open probe makes one), the
``server.circuit_opened`` event reaches the stream, and ``GET /v1/health`` counts the
breaker. Local times are scaled (60x): the first cool-down is one second."""

from __future__ import annotations

import json
import socket
import uuid

from infrastructure.local.emulator import STACK
from tests.integration.conftest import eventually
from tests.integration.event_contract import events_stream_name, read_stream

STEP = "defer_if_server_circuit_open"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: connections are refused


def _dead_mailbox(platform, key: str, port: int) -> str:
    reply = platform.request(
        "POST",
        "/v1/mailboxes",
        key,
        json={
            "email": f"dead{uuid.uuid4().hex[:6]}@demo.test",
            "display_name": "Dead",
            "daily_limit": 100,
            "smtp": {
                "host": "127.0.0.1",
                "port": port,
                "security": "starttls",
                "username": "dead",
                "password": "never-used",
            },
        },
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def _timeline(platform, key: str, message_id: str) -> list[dict]:
    return platform.get(f"/v1/messages/{message_id}", key).json()["timeline"]


def test_a_dead_server_trips_its_breaker_and_its_messages_wait_without_attempts(platform):
    # given: a mailbox on a server that refuses every connection, and a message that the
    # worker tries three times (three batches): the breaker opens
    key, port = platform.demo_key, _closed_port()
    mailbox = _dead_mailbox(platform, key, port)
    body = {"from": mailbox, "subject": "Hi", "text": "Hello"}
    first = platform.request("POST", "/v1/messages", key, json={**body, "to": "a@example.test"})
    assert first.status_code == 202, first.text
    ids = [first.json()["id"]]
    eventually(lambda: len([e for e in _timeline(platform, key, ids[0]) if "attempt" in e]) >= 3)
    # when: more messages for that server come up
    more = [{"to": f"b{n}@example.test"} for n in range(4)]
    batch = platform.request("POST", "/v1/messages/batch", key, json={**body, "recipients": more})
    assert batch.status_code == 202, batch.text
    ids += [r["id"] for r in batch.json()["results"]]

    def waiting():
        timelines = [_timeline(platform, key, i) for i in ids]
        return timelines if any(e.get("step") == STEP for t in timelines for e in t) else None

    timelines = eventually(waiting)
    # then: the breaker's deferrals carry its step and reason and use no attempt; every
    # attempt made is a real one, with its stage (the probes included)
    for message_id, timeline in zip(ids, timelines, strict=True):
        waits = [e for e in timeline if e.get("step") == STEP]
        assert all("attempt" not in e and "circuit" in e["reason"] for e in waits)
        tried = [e for e in timeline if "attempt" in e and e["status"] == "deferred"]
        assert {e["stage"] for e in tried} <= {"connect"}
        found = platform.get(f"/v1/messages/{message_id}", key).json()
        assert found["attempts"] <= len(tried) + 1  # +1: a probe may be on the wire now
    # and the event is on the stream, the health report counts the breaker
    server = f"127.0.0.1:{port}"

    def opened_event():
        kinesis = platform.aws("kinesis")
        stream = events_stream_name(platform.aws("cloudformation"), STACK)
        events = [json.loads(data) for data in read_stream(kinesis, stream)]
        return [e for e in events if e["type"] == "server.circuit_opened" and e["server"] == server]

    [opened, *_] = eventually(opened_event, attempts=100, pause=0.3)
    assert opened["failures"] == 3 and opened["reopened"] is False
    detail = platform.get("/v1/health").json()["components"]["breakers"]["detail"]
    open_now, _, half_open, _ = detail.replace(",", "").split()
    assert int(open_now) + int(half_open) >= 1, detail
    # finally: pause the mailbox so its messages stop probing the dead port
    paused = platform.request("PATCH", f"/v1/mailboxes/{mailbox}", key, json={"status": "paused"})
    assert paused.status_code == 200, paused.text
