"""Classifying inbound mail: the simulator's DSN, ARF report, auto-reply and reply (built
from a real outgoing email of ours), free-text bounces of classic MTAs, and hostile input."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from chalicelib.inbound.rules.classify import classify
from chalicelib.sending.mime import build as mime
from infrastructure.local import mail_simulator as sim

MESSAGE_ID = "msg_agrcaaaaaaaaaaaaaaaaaaaa"


def _original(recipient: str) -> sim.Original:
    email = mime.OutgoingEmail(
        message_id=MESSAGE_ID, from_address="alice@demo.test", from_name="Alice", to=recipient,
        subject="Quick question", html=None, text="Hello there", reply_to=None, headers={},
        sending_domain="demo.test", bounce_domain="bounces.demo.test",
        unsubscribe_url="https://t.demo.test/u/x", unsubscribe_mailto=None, bulk=True,
        postal_address="1 Road",
    )  # fmt: skip
    raw, mail_from, _ = mime.build(email, datetime(2026, 11, 28, tzinfo=UTC))
    return sim.Original(raw.decode(), mail_from, recipient, "alice@demo.test")


def _raw(message) -> bytes:
    return sim.serialize(message).encode("utf-8")


def test_the_simulators_dsn_is_a_hard_bounce_matched_by_verp():
    found = classify(_raw(sim.build_dsn(_original("dsn@sim.penguinmails.test"))))
    assert found.kind == "bounce" and found.bounce_type == "hard"
    assert found.recipients == ("dsn@sim.penguinmails.test",)
    assert found.status_codes and found.status_codes[0].startswith("5.")
    assert found.message_ids[0] == MESSAGE_ID


def test_the_simulators_arf_report_is_a_complaint():
    found = classify(_raw(sim.build_arf(_original("complaint@sim.penguinmails.test"))))
    assert found.kind == "complaint" and found.feedback_type == "abuse"
    assert MESSAGE_ID in found.message_ids


def test_the_simulators_auto_reply_and_reply():
    auto = classify(_raw(sim.build_auto_reply(_original("ooto@sim.penguinmails.test"))))
    assert auto.kind == "auto_reply" and auto.message_ids == (MESSAGE_ID,)
    reply = classify(_raw(sim.build_reply(_original("reply@sim.penguinmails.test"))))
    assert reply.kind == "reply" and reply.message_ids == (MESSAGE_ID,)
    assert reply.reply_text and ">" not in reply.reply_text


POSTFIX = (
    b"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
    b"To: b+" + MESSAGE_ID.encode() + b"@bounces.demo.test\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n\r\n"
    b"This is the mail system at host mx.example.net.\r\n\r\n"
    b"<gone@example.net>: host mx.example.net said: 550 5.1.1 <gone@example.net>:\r\n"
    b"    Recipient address rejected: User unknown in local recipient table\r\n"
)
MAILBOX_FULL = POSTFIX.replace(b"550 5.1.1", b"552 5.2.2").replace(b"User unknown", b"Over quota")


def test_free_text_bounces_are_read_for_codes_recipients_and_our_id():
    found = classify(POSTFIX)
    assert found.kind == "bounce" and found.bounce_type == "hard"
    assert "5.1.1" in found.status_codes and "gone@example.net" in found.recipients
    assert found.message_ids == (MESSAGE_ID,)
    assert classify(MAILBOX_FULL).bounce_type == "soft"


def test_mail_that_names_none_of_ours_is_unknown():
    raw = b"From: someone@example.net\r\nSubject: hello\r\n\r\nJust saying hi.\r\n"
    assert classify(raw).kind == "unknown"


def test_auto_submitted_and_out_of_office_subjects_are_auto_replies():
    base = b"From: a@example.net\r\nIn-Reply-To: <" + MESSAGE_ID.encode() + b".ab@demo.test>\r\n"
    assert classify(base + b"Auto-Submitted: auto-replied\r\nSubject: x\r\n\r\nAway").kind == (
        "auto_reply"
    )
    assert classify(base + b"Subject: Out of Office: back Monday\r\n\r\nAway").kind == "auto_reply"
    assert classify(base + b"Subject: Re: Quick question\r\n\r\nYes!").kind == "reply"


@pytest.mark.parametrize("seed", range(300))
def test_hostile_bytes_never_raise(seed):
    rng = random.Random(seed)
    samples = [POSTFIX, _raw(sim.build_dsn(_original("dsn@sim.penguinmails.test")))]
    raw = bytearray(rng.choice(samples))
    for _ in range(rng.randint(1, 40)):
        raw[rng.randrange(len(raw))] = rng.randrange(256)
    cut = bytes(raw[: rng.randrange(len(raw) + 1)])
    found = classify(cut + bytes(rng.randrange(256) for _ in range(rng.randrange(200))))
    assert found.kind in ("bounce", "complaint", "auto_reply", "reply", "unknown")


def test_a_25_mb_message_is_classified_without_reading_it_all():
    raw = POSTFIX + b"x" * (26 * 1024 * 1024)
    assert classify(raw).kind == "bounce"
