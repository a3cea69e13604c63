"""Issue 4's "Done when" on the running platform: a batch of 200 to simulator and ordinary
addresses, sent by the real worker through the real SMTP server (STARTTLS + AUTH), each
ending in the right status; every stored email verifies with dkimpy against the DKIM record
the platform's own DNS server answers; the one-click unsubscribe headers are signed."""

from __future__ import annotations

import uuid

import dkim
import dns.message
import dns.query
import dns.rdatatype
import pytest

from tests.integration.conftest import eventually

FINAL = {"sent", "bounced", "failed", "suppressed", "cancelled"}


def _recipients(run: str) -> list[tuple[str, str]]:
    """(address, what it should end as): 200 in all, interleaved."""
    plan = []
    for n in range(200):
        kind = ("success", "success", "ordinary", "bounce", "defer")[n % 5]
        if kind == "ordinary":
            plan.append((f"person{n}.{run}@example.test", "sent"))
        else:
            plan.append((f"{kind}+{run}{n}@sim.penguinmails.test", kind))
    return plan


def _dnsfunc(port: int):
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        query = dns.message.make_query(name.decode(), dns.rdatatype.TXT)
        reply = dns.query.udp(query, "127.0.0.1", port=port, timeout=timeout)
        for rrset in reply.answer:
            for rdata in rrset:
                return b"".join(rdata.strings)
        return None

    return lookup


def _messages(
    platform, key: str, batch_id: str, expected: int, until_unfinished: bool = False
) -> dict[str, dict]:
    """The batch's messages, page by page; with ``until_unfinished``, only up to the first page
    holding one that is not final yet (the poll below needs no more to know it must wait)."""
    found: dict[str, dict] = {}
    token = None
    while True:
        query = "limit=100" + (f"&next_token={token}" if token else "")
        page = platform.get(f"/v1/messages?{query}", key).json()
        for item in page["items"]:
            if item.get("batch_id") == batch_id:
                found[item["id"]] = item
        token = page["next_token"]
        if until_unfinished and any(m["status"] not in FINAL for m in found.values()):
            return found
        if not token or len(found) >= expected:
            return found


@pytest.mark.long
def test_a_batch_of_200_ends_right_and_every_email_verifies(platform):
    # given
    key, run = platform.demo_key, uuid.uuid4().hex[:6]
    plan = _recipients(run)
    reply = platform.request(
        "POST",
        "/v1/messages/batch",
        key,
        json={
            "from": "team@demo.test",  # rotation over the demo domain's mailboxes
            "subject": "Hello {{ first | default('there') }}",
            "html": '<p>Hi {{ first | default("there") }}, <a href="https://example.com/p">'
            "read this</a>.</p>",
            "tags": ["issue4"],
            "recipients": [
                {"to": a, "variables": {"first": f"P{i}"}} for i, (a, _) in enumerate(plan)
            ],
        },
    )
    assert reply.status_code == 202, reply.text
    body = reply.json()
    assert body["accepted"] == 200 and [r["to"] for r in body["results"]] == [a for a, _ in plan]
    ids = {r["id"]: a for r, (a, _) in zip(body["results"], plan, strict=True)}

    # when: the worker drains the queue (polled every 2 s: each poll reads pages of 100
    # messages from the platform the worker shares, so a busier poll slows the run it waits on)
    def all_final():
        found = _messages(platform, key, body["batch_id"], 200, until_unfinished=True)
        done = len(found) == 200 and all(m["status"] in FINAL for m in found.values())
        return found if done else None

    messages = eventually(all_final, attempts=150, pause=2.0)
    # then: each recipient's status
    expected = dict(plan)
    for message_id, address in ids.items():
        status = messages[message_id]["status"]
        want = {"success": "sent", "defer": "sent", "bounce": "bounced", "sent": "sent"}[
            expected[address]
        ]
        assert status == want, (address, messages[message_id])
    rotated = {m["mailbox_id"] for m in messages.values()}
    assert len(rotated) == 3, "rotation spreads the batch over the domain's mailboxes"
    deferred = next(i for i, a in ids.items() if expected[a] == "defer")
    timeline = platform.get(f"/v1/messages/{deferred}", key).json()["timeline"]
    assert [e["status"] for e in timeline].count("deferred") == 2
    assert [e.get("smtp_code") for e in timeline if e["status"] == "deferred"] == [451, 451]
    bounced = next(a for a in ids.values() if expected[a] == "bounce")
    suppression = platform.get(f"/v1/suppressions/{bounced}", key)
    assert suppression.status_code == 200 and suppression.json()["source"] == "bounce"
    # and: every stored email verifies against the DNS the platform serves
    stored = platform.get("/local/smtp/messages?limit=5000").json()["items"]
    ours = [m for m in stored if any(run in r for r in m["rcpt_tos"])]
    assert len(ours) == 160  # everything but the 40 bounces, each exactly once
    lookup = _dnsfunc(platform.ports["dns"])
    for item in ours:
        raw = item["raw"].encode("utf-8")
        assert dkim.verify(raw, dnsfunc=lookup), item["rcpt_tos"]
        head = raw.split(b"\r\n\r\n", 1)[0].decode()
        assert "List-Unsubscribe: <" in head and "mailto:" in head
        assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in head
        signed = head.split(" h=", 1)[1].split(";", 1)[0]
        names = set("".join(signed.split()).lower().split(":"))
        assert {"list-unsubscribe", "list-unsubscribe-post", "from", "to", "subject"} <= names
