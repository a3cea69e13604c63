"""Events are durable with their change: while the Kinesis events stream refuses every write
(the platform's ``events_stream`` fault), the API and the workers keep working, and once the
stream is back every event of what happened meanwhile arrives, each exactly as often as the
consumers need (at least once; duplicates by ``event_id`` only). No wall-clock assertion:
the waits only bound a broken run."""

from __future__ import annotations

import json
import uuid

from infrastructure.local.emulator import STACK
from tests.integration.conftest import eventually
from tests.integration.event_contract import events_stream_name, read_stream

FINAL = {"sent", "bounced", "failed", "suppressed", "cancelled"}


def _fault(platform, on: bool) -> dict:
    reply = platform.request("POST", "/local/faults", json={"name": "events_stream", "on": on})
    assert reply.status_code == 200, reply.text
    return reply.json()


def _stream_events(platform) -> list[dict]:
    stream = events_stream_name(platform.aws("cloudformation"), STACK)
    return [json.loads(data) for data in read_stream(platform.aws("kinesis"), stream)]


def test_an_outage_of_the_events_stream_loses_no_event(platform):
    # given: the stream refuses every write
    _fault(platform, True)
    try:
        # when: a tenant is opened, a key made and revoked, and messages sent to the end
        tenant = platform.request(
            "POST",
            "/v1/tenants",
            platform.admin_key,
            json={"name": f"Outage {uuid.uuid4().hex[:6]}", "plan": "business"},
        )
        assert tenant.status_code == 201, tenant.text
        tenant_id = tenant.json()["tenant"]["id"]
        key = platform.request(
            "POST", "/v1/api-keys", platform.demo_key, json={"name": "outage", "scope": "send"}
        ).json()
        revoked = platform.request("DELETE", f"/v1/api-keys/{key['id']}", platform.demo_key)
        assert revoked.status_code == 200
        sent = platform.request(
            "POST",
            "/v1/messages/batch",
            platform.demo_key,
            json={
                "from": "bob@demo.test",
                "subject": "During the outage",
                "text": "Hello",
                "recipients": [{"to": f"outage{n}@example.test"} for n in range(5)],
            },
        )
        assert sent.status_code == 202, sent.text
        ids = [r["id"] for r in sent.json()["results"]]

        def all_final() -> bool:
            found = [platform.get(f"/v1/messages/{i}", platform.demo_key).json() for i in ids]
            return all(m["status"] in FINAL for m in found)

        eventually(all_final)
        refused = _fault(platform, True)["refused"]
        assert refused > 0  # the relay really met the outage
        during = {e["event_id"] for e in _stream_events(platform)}
    finally:
        _fault(platform, False)

    # then: every event of what happened arrives once the stream is back
    def arrived() -> list[dict]:
        events = _stream_events(platform)
        mine = [e for e in events if e.get("message_id") in ids or e["tenant_id"] == tenant_id]
        keys = [e for e in events if e.get("key_id") == key["id"]]
        kinds = {e["type"] for e in mine + keys}
        wanted = {"tenant.created", "api_key.created", "api_key.revoked", "message.queued"}
        if not wanted <= kinds or "message.sent" not in kinds:
            return []
        return mine + keys

    events = eventually(arrived)
    assert not {e["event_id"] for e in events} & during  # none had slipped through
    for message_id in ids:
        types = [e["type"] for e in events if e.get("message_id") == message_id]
        assert types.count("message.queued") >= 1 and types.count("message.sending") >= 1
        assert {"message.sent", "message.deferred", "message.bounced"} & set(types), types
