"""Live updates on the running platform: a real WebSocket client gets a ticket over HTTP,
authenticates on the local WebSocket server, subscribes to its tenant and to a campaign, and
receives the events of a message sent through the API and of a campaign's message, with the
tenant's totals and the campaign's progress, pushed by the events consumers through the
front door's Management API emulation. The push latency (event written → received) is
measured and printed, never asserted."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from chalicelib.core.clock import parse_iso

SIM = "sim.penguinmails.test"
ALWAYS = {"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00",
          "end": "24:00", "time_zone": "UTC"}  # fmt: skip
MAX_FRAMES = 400  # bounded: the whole run needs a few dozen


def _ok(reply: Any, status: int = 200) -> dict[str, Any]:
    assert reply.status_code == status, (reply.status_code, reply.text)
    return reply.json()


def _ticket(platform: Any, key: str) -> dict[str, Any]:
    return _ok(platform.request("POST", "/v1/realtime/tickets", key), 201)


def _send(ws: ClientConnection, **message: Any) -> dict[str, Any]:
    ws.send(json.dumps(message))
    return json.loads(ws.recv(timeout=30))


def _authenticated(platform: Any, key: str) -> ClientConnection:
    ticket = _ticket(platform, key)
    ws = connect(ticket["url"], open_timeout=30)
    reply = _send(ws, action="auth", ticket=ticket["ticket"])
    assert reply["type"] == "authenticated", reply
    return ws


def _campaign(platform: Any, key: str) -> str:
    mailbox = _ok(platform.get("/v1/mailboxes", key))["items"][0]["id"]
    run = uuid.uuid4().hex[:8]
    contact = _ok(
        platform.request("POST", "/v1/contacts", key, json={"email": f"success+rt{run}@{SIM}"}),
        201,
    )
    body = {
        "name": f"Live {run}",
        "steps": [{"type": "email", "subject": "Hello", "text": "A short note."}],
        "settings": {"mailbox_ids": [mailbox], "window": ALWAYS},
    }
    campaign_id = str(_ok(platform.request("POST", "/v1/campaigns", key, json=body), 201)["id"])
    enrol = {"contact_ids": [contact["id"]]}
    _ok(platform.request("POST", f"/v1/campaigns/{campaign_id}/enrol", key, json=enrol))
    return campaign_id


def _until(ws: ClientConnection, done: Any) -> list[tuple[float, dict[str, Any]]]:
    """Every frame (with the time it arrived) until ``done(frames)`` holds; bounded."""
    frames: list[tuple[float, dict[str, Any]]] = []
    for _ in range(MAX_FRAMES):
        frames.append((time.time(), json.loads(ws.recv(timeout=120))))
        if done(frames):
            return frames
    raise AssertionError(f"never done; got {[f for _, f in frames]}")


def test_the_ticket_is_single_use_and_a_bad_one_closes_with_4401(platform):
    key = platform.demo_key
    ticket = _ticket(platform, key)
    assert ticket["url"] == f"ws://127.0.0.1:{platform.ports['ws']}/"
    assert ticket["ticket"] not in ticket["url"]
    first = connect(ticket["url"], open_timeout=30)
    assert _send(first, action="ping")["code"] == "unauthenticated"  # kept: not closed
    assert _send(first, action="auth", ticket=ticket["ticket"])["type"] == "authenticated"
    assert _send(first, action="subscribe", topic="campaign:cmp_notmine")["code"] == "not_found"
    assert _send(first, action="ping") == {"type": "pong"}  # still open
    assert _send(first, action="nope")["code"] == "invalid_message"
    first.close()
    second = connect(ticket["url"], open_timeout=30)
    second.send(json.dumps({"action": "auth", "ticket": ticket["ticket"]}))
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(5):
            second.recv(timeout=30)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_events_and_counters_are_pushed_live(platform):
    # given: a client subscribed to its tenant and to a campaign
    key = platform.demo_key
    tenant_id = _ok(platform.get("/v1/tenant", key))["id"]
    campaign_id = _campaign(platform, key)
    ws = _authenticated(platform, key)
    early: list[tuple[float, dict[str, Any]]] = []  # pushes may come before a reply
    for topic in ("tenant", f"campaign:{campaign_id}"):
        ws.send(json.dumps({"action": "subscribe", "topic": topic}))
        early += _until(ws, lambda frames: frames[-1][1]["type"] == "subscribed")
        assert early[-1][1] == {"type": "subscribed", "topic": topic}

    # when: a message is sent through the API, and the campaign starts
    sent = _ok(
        platform.request(
            "POST",
            "/v1/messages/batch",
            key,
            json={
                "from": "team@demo.test",
                "subject": "Live",
                "text": "Hello",
                "recipients": [{"to": f"success+live{uuid.uuid4().hex[:6]}@{SIM}"}],
            },
        ),
        202,
    )
    message_id = sent["results"][0]["id"]
    _ok(platform.request("POST", f"/v1/campaigns/{campaign_id}/start", key))

    def done(frames: list[tuple[float, dict[str, Any]]]) -> bool:
        got = [f for _, f in frames]
        mine = {f["event"]["type"] for f in got if f["type"] == "event"
                and f["event"].get("message_id") == message_id}  # fmt: skip
        campaign_sent = any(
            f["type"] == "counters" and f["topic"] == f"campaign:{campaign_id}"
            and f["counters"]["steps"][0]["sent"] == 1 for f in got
        )  # fmt: skip
        on_campaign = {f["event"]["type"] for f in got if f["type"] == "event"
                       and f["topic"] == f"campaign:{campaign_id}"}  # fmt: skip
        wanted = {"message.queued", "message.sent"}
        totals = any(f["type"] == "counters" and f["topic"] == "tenant"
                     and f["counters"]["counts"]["sent"] >= 1 for f in got)  # fmt: skip
        return wanted <= mine and wanted <= on_campaign and campaign_sent and totals

    frames = early + _until(ws, lambda later: done(early + later))
    ws.close()

    # then: the events as on the stream, on their topics, and the counters
    events = [(at, f) for at, f in frames if f["type"] == "event"]
    mine = [f for _, f in events if f["event"].get("message_id") == message_id]
    assert all(f["topic"] == "tenant" and f["event"]["tenant_id"] == tenant_id for f in mine)
    assert {"event_id", "occurred_at", "schema_version"} <= set(mine[0]["event"])
    on_campaign = [f for _, f in events if f["topic"] == f"campaign:{campaign_id}"]
    assert {f["event"]["type"] for f in on_campaign} >= {"message.queued", "message.sent"}
    assert all(f["event"]["campaign_id"] == campaign_id for f in on_campaign)
    totals = [f for _, f in frames if f["type"] == "counters" and f["topic"] == "tenant"]
    assert {"from", "to", "counts", "rates"} <= set(totals[-1]["counters"])
    progress = [f for _, f in frames if f["type"] == "counters" and f["topic"] != "tenant"]
    assert progress[-1]["counters"]["enrolled"] == 1
    _print_latency("every push", events)
    _print_latency("the sent message's", [(at, f) for at, f in events if f in mine])


def _print_latency(what: str, events: list[tuple[float, dict[str, Any]]]) -> None:
    """Event written (its ``occurred_at``) → received by the client, in seconds (a campaign's
    events may carry the time their step was due instead)."""
    delays = [
        at - parse_iso(f["event"]["occurred_at"]).astimezone(UTC).timestamp() for at, f in events
    ]
    now = datetime.now(UTC).isoformat()
    print(
        f"\nlive update latency, {what}, over {len(delays)} pushes ({now}): "
        f"median {statistics.median(delays):.2f} s, max {max(delays):.2f} s, "
        f"min {min(delays):.2f} s"
    )
