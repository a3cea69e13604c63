"""The circuit breaker of a tenant SMTP server on the running platform: a mailbox of the
demo tenant points at a loopback port nobody listens on; after three refused batches its
messages are deferred with the breaker's step (no attempt used for them), the
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


def test_a_dead_server_trips_its_breaker_and_its_messages_wait_without_attempts(platform):
    # given: a mailbox on a server that refuses every connection
    key, port = platform.demo_key, _closed_port()
    mailbox = _dead_mailbox(platform, key, port)
    body = {"from": mailbox, "subject": "Hi", "text": "Hello"}
    sent = platform.request("POST", "/v1/messages", key, json={**body, "to": "a@example.test"})
    assert sent.status_code == 202, sent.text

    # when: the worker retries it until the breaker opens
    def breaker_deferral():
        found = platform.get(f"/v1/messages/{sent.json()['id']}", key).json()
        return found if any(e.get("step") == STEP for e in found["timeline"]) else None

    found = eventually(breaker_deferral)
    # then: only real attempts count (each with its stage); the breaker's deferrals use none
    attempts = [e for e in found["timeline"] if "attempt" in e and e["status"] == "deferred"]
    waits = [e for e in found["timeline"] if e.get("step") == STEP]
    assert len(attempts) >= 3 and {e["stage"] for e in attempts} == {"connect"}
    assert all("attempt" not in e for e in waits) and "circuit" in waits[0]["reason"]
    assert found["attempts"] <= len(attempts) + 1  # +1: a probe may be on the wire now
    # and the event is on the stream, the health report counts the breaker
    server = f"127.0.0.1:{port}"

    def opened_event():
        kinesis = platform.aws("kinesis")
        stream = events_stream_name(platform.aws("cloudformation"), STACK)
        events = [json.loads(data) for data in read_stream(kinesis, stream)]
        return [e for e in events if e["type"] == "server.circuit_opened" and e["server"] == server]

    [first, *_] = eventually(opened_event, attempts=100, pause=0.3)
    assert first["failures"] == 3 and first["reopened"] is False
    detail = platform.get("/v1/health").json()["components"]["breakers"]["detail"]
    opened, _, half_open, _ = detail.replace(",", "").split()
    assert int(opened) + int(half_open) >= 1, detail
    # finally: pause the mailbox so its message stops probing the dead port
    paused = platform.request("PATCH", f"/v1/mailboxes/{mailbox}", key, json={"status": "paused"})
    assert paused.status_code == 200, paused.text
