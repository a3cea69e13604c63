"""Issue 5's inbound half on the running platform: mail to the simulator's ``reply@``,
``ooto@``, ``dsn@`` and ``complaint@`` comes back to the sending mailbox's inbox; the
scheduled poll reads it through the classification path and each message's timeline shows
the reply, auto-reply, bounce and complaint, with the bounce and complaint suppressed."""

from __future__ import annotations

import uuid

from tests.integration.conftest import eventually

FINAL = {"sent", "bounced", "failed", "suppressed"}


def test_replies_auto_replies_bounces_and_complaints_reach_the_timeline(platform):
    key, run = platform.demo_key, uuid.uuid4().hex[:8]
    sent = {}
    for kind in ("reply", "ooto", "dsn", "complaint"):
        to = f"{kind}+{run}@sim.penguinmails.test"
        reply = platform.request(
            "POST", "/v1/messages", key,
            json={"from": "bob@demo.test", "to": to, "subject": f"Hello {kind}", "text": "Hi"},
        )  # fmt: skip
        assert reply.status_code == 202, reply.text
        sent[kind] = (reply.json()["id"], to)

    def timeline(kind):
        return platform.get(f"/v1/messages/{sent[kind][0]}", key).json()["timeline"]

    def noted(kind, what):
        return lambda: any(e.get("event") == what or e["status"] == what for e in timeline(kind))

    eventually(noted("reply", "reply"), attempts=120, pause=0.5)
    eventually(noted("ooto", "auto_reply"), attempts=120, pause=0.5)
    eventually(noted("dsn", "bounced"), attempts=120, pause=0.5)
    eventually(noted("complaint", "complained"), attempts=120, pause=0.5)
    assert platform.get(f"/v1/messages/{sent['dsn'][0]}", key).json()["status"] == "bounced"
    for kind in ("dsn", "complaint"):
        entry = platform.get(f"/v1/suppressions/{sent[kind][1]}", key)
        assert entry.status_code == 200, kind
    inbound = platform.get("/v1/inbound?limit=100", key).json()["items"]
    matched = {i["classification"]["matched_message_id"] for i in inbound}
    assert {m for m, _ in sent.values()} <= matched
    types = {i["classification"]["type"] for i in inbound}
    assert {"reply", "auto_reply", "bounce", "complaint"} <= types
