"""The send path end to end in one process: the API queues, the worker handler drains the
send queue (moto's SQS, records shaped like Lambda's), an SMTP twin answers as scripted.

Faults: transient replies, a server that is down, refuses AUTH or drops mid-DATA, the same
SQS message delivered twice, a worker that dies mid-batch. Every message must end in exactly
one final status, the sink must get each email at most once, nothing may stay ``sending``.
The real SMTP conversations (TLS, AUTH, drops) are in tests/integration/test_smtp_sender.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from tests.fakes.dns import ZoneDns
from tests.fakes.smtp import WorkerCrash
from tests.functional.worlds import Sending

FINAL = {"sent", "bounced", "failed", "suppressed", "cancelled"}


def _statuses(sending: Sending, ids: list[str]) -> list[str]:
    return [sending.get(i)["status"] for i in ids]


def test_sent_bounced_and_deferred_then_sent(sending):
    # given
    ok = sending.send("ok@example.test")
    bounce = sending.send("gone@example.test")
    defer = sending.send("later@example.test")
    sending.sink.script("gone@example.test", "550 5.1.1 user unknown")
    sending.sink.script("later@example.test", "451 4.7.1 try later", "451 4.7.1 try later")
    # when
    sending.drain()
    # then
    assert _statuses(sending, [ok["id"], bounce["id"], defer["id"]]) == ["sent", "bounced", "sent"]
    deferred = sending.get(defer["id"])
    assert deferred["attempts"] == 3
    codes = [(e["status"], e.get("smtp_code")) for e in deferred["timeline"]]
    assert codes.count(("deferred", 451)) == 2 and codes[-1] == ("sent", 250)
    bounced = sending.get(bounce["id"])["timeline"][-1]
    assert bounced["smtp_code"] == 550 and bounced["enhanced_status"] == "5.1.1"
    suppression = sending.api.call("GET", "/v1/suppressions/gone@example.test", sending.key)
    assert suppression.status_code == 200 and suppression.data["source"] == "bounce"
    assert [sending.sink.count(a) for a in ("ok@example.test", "later@example.test")] == [1, 1]


def test_a_suppressed_recipient_is_never_sent(sending):
    sending.api.call("POST", "/v1/suppressions", sending.key, {"address": "No@Example.test"})
    message = sending.send("no@example.test")
    sending.drain()
    found = sending.get(message["id"])
    assert found["status"] == "suppressed"
    assert found["timeline"][-1]["step"] == "hold_if_suppressed"
    assert sending.sink.count("no@example.test") == 0


def test_transient_failures_end_failed_after_the_last_attempt_and_go_to_the_dlq(sending):
    from chalicelib.sending.rules.delivery import MAX_ATTEMPTS

    message = sending.send("wall@example.test")
    sending.sink.script("wall@example.test", *["451 4.3.0 busy"] * MAX_ATTEMPTS)
    sending.drain()
    found = sending.get(message["id"])
    assert found["status"] == "failed" and found["attempts"] == MAX_ATTEMPTS
    dead = sending.sqs.receive_message(QueueUrl=sending.dlq, MaxNumberOfMessages=10)
    bodies = [json.loads(m["Body"]) for m in dead.get("Messages", [])]
    assert any(b["message_id"] == message["id"] for b in bodies)
    assert sending.sink.count("wall@example.test") == 0


def test_server_down_auth_failure_and_a_drop_mid_data_are_retried_and_sent_once(sending):
    message = sending.send("flaky@example.test")
    sending.sink.script("flaky@example.test", "down", "auth", "drop")
    sending.drain()
    found = sending.get(message["id"])
    assert found["status"] == "sent" and found["attempts"] == 4
    stages = [e.get("stage") for e in found["timeline"] if e["status"] == "deferred"]
    assert stages == ["connect", "auth", "data"]
    assert sending.sink.count("flaky@example.test") == 1


def test_the_same_sqs_message_delivered_twice_is_sent_once(sending):
    message = sending.send("twice@example.test")
    [received] = sending.receive()
    copy = {**received, "MessageId": received["MessageId"] + "-copy"}
    # when: both copies in one batch, then the same record again later
    sending.deliver([received, copy])
    sending.deliver([received])
    # then
    assert sending.get(message["id"])["status"] == "sent"
    assert sending.sink.count("twice@example.test") == 1


def test_a_worker_that_dies_mid_batch_never_sends_twice_and_leaves_nothing_sending(sending):
    # given: ten messages in one batch, two connections; the worker dies while the fifth
    # message's DATA is on the wire
    addresses = [f"crash{n}@example.test" for n in range(10)]
    ids = [sending.send(a)["id"] for a in addresses]
    sending.sink.script(addresses[4], "crash-before")
    from chalicelib.core import wiring

    wiring.override(
        "sending.send_ports",
        dataclasses.replace(wiring.get("sending.send_ports")(), lease_seconds=0),
    )
    received = []
    while len(received) < 10:
        received += sending.receive()
    # when
    with pytest.raises(WorkerCrash):
        sending.deliver(received)
    sending.sink.dead = False  # SQS hands the batch to a new worker
    asyncio.set_event_loop(asyncio.new_event_loop())  # the dead process's loop is gone
    for m in received:  # SQS makes them visible again after the visibility timeout
        sending.sqs.change_message_visibility(
            QueueUrl=sending.url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
        )
    sending.drain()
    # then: only messages that held one of the two connections can end unknown; the
    # others (never handed to the server) are sent exactly once. (The unknown ones are read
    # from the end state: a claim already in a thread when the worker "died" still lands in
    # this process, so a snapshot right after the crash could miss one.)
    statuses = _statuses(sending, ids)
    assert set(statuses) <= FINAL, statuses
    unknown = set()
    for message_id, address, status in zip(ids, addresses, statuses, strict=True):
        if status == "failed":
            assert sending.get(message_id)["timeline"][-1]["reason"] == "outcome_unknown"
            unknown.add(address)
        else:
            assert status == "sent" and sending.sink.count(address) == 1, address
    assert addresses[4] in unknown and unknown <= set(sending.sink.connected)
    assert len(unknown) <= 2 * sending.sink.connections


def test_a_cancelled_message_is_never_sent_and_cannot_be_cancelled_twice(sending):
    message = sending.send("cancel@example.test")
    cancelled = sending.api.call("DELETE", f"/v1/messages/{message['id']}", sending.key)
    assert cancelled.status_code == 200 and cancelled.data["status"] == "cancelled"
    sending.drain()
    assert sending.get(message["id"])["status"] == "cancelled"
    assert sending.sink.count("cancel@example.test") == 0
    again = sending.api.call("DELETE", f"/v1/messages/{message['id']}", sending.key)
    assert again.status_code == 409


def test_provider_throttling_cools_the_mailbox_down_for_that_provider(sending):
    from chalicelib.core import wiring

    wiring.override(
        "sending.send_ports",
        dataclasses.replace(wiring.get("sending.send_ports")(), retry_scale=1.0),
    )
    first = sending.send("a@gmail.com")
    sending.sink.script("a@gmail.com", "421 4.7.28 rate limited, try later")
    sending.drain()
    second = sending.send("b@gmail.com")
    other = sending.send("c@example.test")
    sending.drain()
    assert sending.get(first["id"])["status"] == "deferred"
    cooled = sending.get(second["id"])
    assert cooled["status"] == "deferred" and cooled["attempts"] == 0
    assert cooled["timeline"][-1]["step"] == "defer_if_provider_cooling"
    assert sending.get(other["id"])["status"] == "sent"
    assert sending.sink.count("b@gmail.com") == 0


def test_the_sent_email_is_signed_and_carries_one_click_unsubscribe(sending):
    import dkim

    sending.send("signed@example.test", html='<p>Hi <a href="https://example.com/a">a</a></p>')
    sending.drain()
    [(_, raw)] = [(r, d) for r, d in sending.sink.accepted if r == "signed@example.test"]
    zone = ZoneDns()

    def dnsfunc(name, timeout=5):
        found = zone.lookup(name.decode().rstrip("."), "TXT")
        return found.values[0].encode() if found.values else None

    assert dkim.verify(raw, dnsfunc=dnsfunc)
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in head
    signed = head.split("h=", 1)[1].split(";", 1)[0].replace("\r\n", "").replace(" ", "")
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject"} <= set(
        signed.lower().split(":")
    )
    assert b"/t/c/" in raw and b"/t/o/" in raw


def test_a_server_down_for_three_batches_trips_its_breaker_and_defers_without_attempts(
    sending, aws
):
    import re

    from chalicelib.core import wiring
    from tests.functional.outbox import stream_events

    wiring.override(
        "sending.send_ports",
        dataclasses.replace(wiring.get("sending.send_ports")(), retry_scale=1.0),
    )
    # given: three batches whose connection the tenant's server refused
    for n in range(3):
        down = sending.send(f"down{n}@example.test")
        sending.sink.script(f"down{n}@example.test", "down")
        sending.drain()
        assert sending.get(down["id"])["attempts"] == 1
    # when: the next message of that mailbox comes up
    waiting = sending.send("wait@example.test")
    sending.drain()
    # then: deferred with the breaker's step and reason, no attempt used, nothing sent
    found = sending.get(waiting["id"])
    assert found["status"] == "deferred" and found["attempts"] == 0
    assert found["timeline"][-1]["step"] == "defer_if_server_circuit_open"
    assert "circuit open after 3 failed connections" in found["timeline"][-1]["reason"]
    assert sending.sink.count("wait@example.test") == 0
    opened = [
        e
        for e in stream_events(aws, "server.circuit_opened")
        if e["tenant_id"] == sending.tenant_id
    ]
    assert [(e["server"], e["failures"]) for e in opened] == [("127.0.0.1:2525", 3)]
    # and the health report counts it, naming no tenant and no server
    breakers = sending.api.call("GET", "/v1/health").data["components"]["breakers"]
    assert breakers["status"] == "ok" and re.fullmatch(
        r"\d+ open, \d+ half-open", breakers["detail"]
    )
    assert int(breakers["detail"].split()[0]) >= 1
    from chalicelib import sending as feature

    mine = [b for b in feature.server_breakers() if b["tenant_id"] == sending.tenant_id]
    assert [(b["server"], b["state"]) for b in mine] == [("127.0.0.1:2525", "open")]
