"""Issue 16's webhook "Done when" on the running platform: a receiver on loopback gets every
event of a sent message (every event the stream carries for it), each signed as PRODUCT.md
says (checked here with the README's own recipe, not the platform's code), in the order the
events happened; the deliveries log says so; and a replay of the last hour re-delivers the
same ``event_id``s. The tenant is the test's own, so no other test's events reach it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import eventually
from tests.integration.event_contract import events_stream_name
from tests.integration.tenants import sending_tenant
from tests.integration.webhook_receiver import Receiver, verified

SIM = "sim.penguinmails.test"


def _stream_events(platform: Any, since: datetime, message_id: str) -> list[dict[str, Any]]:
    """The events the stream carries for one message, in stream order, from ``since`` on."""
    kinesis = platform.aws("kinesis")
    stream = events_stream_name(platform.aws("cloudformation"), "penguinmails-local")
    found: list[dict[str, Any]] = []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream,
            ShardId=shard["ShardId"],
            ShardIteratorType="AT_TIMESTAMP",
            Timestamp=since,
        )["ShardIterator"]
        for _ in range(200):  # bounded
            reply = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            for record in reply["Records"]:
                event = json.loads(record["Data"])
                if event.get("message_id") == message_id:
                    found.append(event)
            iterator = reply.get("NextShardIterator")
            if not reply["Records"] or not iterator:
                break
    return found


def _ok(reply: Any, status: int) -> dict[str, Any]:
    assert reply.status_code == status, (reply.status_code, reply.text)
    return reply.json()  # type: ignore[no-any-return]


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def test_a_receiver_gets_every_event_of_a_message_signed_in_order_then_a_replay(platform, receiver):
    tenant = sending_tenant(platform, "business")
    key = tenant.key
    since = datetime.now(UTC) - timedelta(seconds=5)
    hook = _ok(platform.request("POST", "/v1/webhooks", key, json={"url": receiver.url}), 201)
    secret = hook["secret"]
    assert secret.startswith("whsec_")

    # when one message is sent to an address that accepts it
    to = f"success+wh{uuid.uuid4().hex[:8]}@{SIM}"
    body = {"from": tenant.mailboxes[0], "to": to, "subject": "Webhooks", "text": "Hello"}
    message_id = _ok(platform.request("POST", "/v1/messages", key, json=body), 202)["id"]
    eventually(
        lambda: platform.get(f"/v1/messages/{message_id}", key).json()["status"] == "sent",
        attempts=300,
    )

    def mine() -> list[tuple[dict[str, Any], dict[str, Any], bytes]]:
        return [e for e in receiver.events() if e[0].get("message_id") == message_id]

    def all_delivered() -> list[dict[str, Any]] | None:
        expected = _stream_events(platform, since, message_id)
        got = {e[0]["event_id"] for e in mine()}
        return expected if expected and {e["event_id"] for e in expected} <= got else None

    expected = eventually(all_delivered, attempts=300)
    # then every event of the message arrived once, signed, in the order it happened
    arrived = mine()
    ids = [e[0]["event_id"] for e in arrived]
    assert sorted(ids) == sorted(e["event_id"] for e in expected), (ids, expected)
    assert len(ids) == len(set(ids))
    types = [e[0]["type"] for e in arrived]
    assert types[0] == "message.queued" and "message.sent" in types, types
    occurred = [e[0]["occurred_at"] for e in arrived]
    assert occurred == sorted(occurred), list(zip(types, occurred, strict=True))
    for event, headers, raw in arrived:
        assert verified(headers["penguinmails-signature"], raw, secret), headers
        assert headers["penguinmails-event-id"] == event["event_id"]
        assert headers["penguinmails-event-type"] == event["type"]
        assert event["tenant_id"] == tenant.tenant_id
    assert not verified(arrived[0][1]["penguinmails-signature"], arrived[0][2], "whsec_wrong")

    # and the deliveries log says delivered, first time, with the receiver's answer
    log = _ok(platform.get(f"/v1/webhooks/{hook['id']}/deliveries?limit=100", key), 200)
    logged = {d["event_id"]: d for d in log["items"]}
    for event_id in ids:
        assert logged[event_id]["status"] == "delivered", logged[event_id]
        assert logged[event_id]["response_code"] == 200
        assert logged[event_id]["attempts"] == 1

    # when the last hour is replayed
    now = datetime.now(UTC)
    window = {
        "from": (now - timedelta(hours=1)).isoformat(timespec="seconds"),
        "to": now.isoformat(timespec="milliseconds"),  # events of this very second too
    }
    job = _ok(platform.request("POST", f"/v1/webhooks/{hook['id']}/replay", key, json=window), 202)

    def finished() -> dict[str, Any] | None:
        found = _ok(platform.get(f"/v1/webhooks/{hook['id']}/replays/{job['id']}", key), 200)
        return found if found["status"] in ("completed", "failed") else None

    done = eventually(finished, attempts=300)
    assert done["status"] == "completed", done
    assert done["progress"]["done"] == done["progress"]["total"] >= len(ids), done

    # then the same event ids arrive a second time, signed again
    def twice() -> bool:
        counted = [e[0]["event_id"] for e in mine()]
        return all(counted.count(i) == 2 for i in ids)

    eventually(twice, attempts=300)
    again = mine()[len(arrived) :]
    assert sorted(e[0]["event_id"] for e in again) == sorted(ids)
    assert all(verified(h["penguinmails-signature"], raw, secret) for _, h, raw in again)
