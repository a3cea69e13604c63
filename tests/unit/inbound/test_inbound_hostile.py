"""Inbound classification on hostile input: malformed MIME, undeclared 8-bit headers, bad
charsets, absurd nesting, 25 MB, very many parts, inputs shaped to defeat regexes and HTML
parsers, and a bounded fuzz of random and mutated messages. Nothing may raise, and every
result must be a well-formed, storable ``Classification``."""

from __future__ import annotations

import base64
import random

import pytest

from chalicelib.inbound.rules.classify import KINDS, Classification, classify
from infrastructure.local import mail_simulator as sim
from tests.fakes.inbound_mail import (
    FREE_TEXT_BOUNCES,
    GMAIL,
    ID,
    MAILBOX,
    OUR_MESSAGE_ID,
    POSTFIX,
    VERP,
    answer,
    simulated,
)

# --- hostile input ----------------------------------------------------------------------------


def _valid(found: Classification) -> bool:
    strings = [found.kind, found.diagnostic, found.subject, found.from_address]
    strings += [found.message_id_header, found.reply_text, found.received_at or ""]
    strings += [*found.recipients, *found.status_codes, *found.message_ids]
    strings += [found.bounce_type or "", found.feedback_type or ""]
    for text in strings:
        assert isinstance(text, str)
        text.encode("utf-8")  # no lone surrogates: storable as-is
    assert found.kind in KINDS
    assert (found.bounce_type is not None) == (found.kind == "bounce")
    assert found.bounce_type in (None, "hard", "soft")
    assert len(found.diagnostic) <= 500 and len(found.reply_text) <= 10_000
    return True


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b'Content-Type: multipart/mixed; boundary="never"\r\n\r\nno boundary at all',
        b"Content-Type: multipart/mixed\r\n\r\n--\r\nno boundary parameter\r\n--",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nAction",
        b'Content-Type: text/plain; charset="rot13"\r\nContent-Transfer-Encoding: base64\r\n'
        b"\r\nSGVsbG8=!!!!\r\nQQ",
        b"Subject: =?utf-8?b?####?= =?no-such-charset?q?caf=E9?= =?utf-8?q?caf=C3?=\r\n\r\n",
        b'From: "\\" <\r\n <<<>>>@@@\r\nDate: Mon, 99 Foo 99999 99:99:99 +9999\r\n\r\n',
        POSTFIX[: len(POSTFIX) // 2],
        GMAIL.replace(b"--g--", b""),
    ],
)
def test_malformed_mime_never_raises(raw):
    assert _valid(classify(raw))


def test_undeclared_8_bit_headers_are_read_as_utf8_or_cp1252():
    raw = (
        b"From: Ren\xe9 M\xfcller <rene@example.net>\r\n"
        b"Subject: R\xc3\xa9ponse: caf\xc3\xa9 =?x-unknown?q?na=EFve?=\r\n"
        b"In-Reply-To: " + OUR_MESSAGE_ID.encode() + b"\r\n\r\nD'accord, \xe0 lundi.\r\n"
    )

    found = classify(raw)

    assert _valid(found) and found.kind == "reply"
    assert found.subject == "Réponse: café naïve"
    assert found.from_address == "rene@example.net"
    assert found.reply_text == "D'accord, à lundi."


def test_absurdly_nested_mime_still_reads_the_headers():
    nesting = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(3000)
    )
    raw = b"In-Reply-To: " + OUR_MESSAGE_ID.encode() + b"\r\nSubject: Re: x\r\n" + nesting

    found = classify(raw)

    assert _valid(found) and found.kind == "reply" and found.message_ids == (ID,)


def test_a_25_mb_message_is_classified_and_bounded_by_max_bytes():
    # given a bounce carrying the returned message with a ~25 MB attachment
    attachment = base64.encodebytes(bytes(range(256)) * (19 * 1024 * 1024 // 256))
    raw = POSTFIX.replace(
        b"Subject:", b'Content-Type: multipart/mixed; boundary="z"\r\nSubject:'
    ).replace(
        b"\r\n\r\nThis is the mail",
        b"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nThis is the mail",
    )
    raw += b"\r\n--z\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    raw += attachment + b"\r\n--z--\r\n"
    assert len(raw) > 25 * 1024 * 1024

    # when
    whole, first_kb = classify(raw), classify(raw, max_bytes=1024)

    # then
    assert whole.kind == "bounce" and whole.recipients == ("gone@example.net",)
    assert first_kb.kind == "bounce" and first_kb.message_ids == (ID,)


def test_a_message_of_very_many_parts_is_cut_to_a_bounded_number():
    part = b"--z\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
    raw = answer('Content-Type: multipart/mixed; boundary="z"', "Subject: Re: x", body="")
    found = classify(raw + part * 200_000)

    assert _valid(found) and found.kind == "reply"


def test_pathological_text_does_not_defeat_the_scanners():
    # given inputs shaped to make backtracking regexes or naive HTML parsers crawl
    evil = [
        "<a " * 20_000,
        "<!--" * 10_000,
        "a@" * 30_000,
        "<" + "x" * 60_000,
        "=?utf-8?q?" * 5_000,
        "5." * 30_000,
        "On " + "x " * 30_000 + "wrote:",
    ]
    for body in evil:
        for content_type in ("text/plain", "text/html"):
            raw = answer(f"Content-Type: {content_type}", f"Subject: {body[:5000]}", body=body)

            # when / then
            assert _valid(classify(raw))
            assert _valid(classify(POSTFIX + body.encode()))


def _mutate(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 30)):
        at = rng.randrange(len(data) + 1)
        action = rng.randrange(5)
        if action == 0 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif action == 1:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(20)))
        elif action == 2:
            del data[at : at + rng.randrange(50)]
        elif action == 3:
            data[at:at] = rng.choice([b"\r\n", b"\r\n\r\n", b"--", b"=?", b"?=", b"<", b":"])
        else:
            start = rng.randrange(len(data) + 1)
            data[at:at] = data[start : start + rng.randrange(200)]
    return bytes(data)


@pytest.mark.parametrize("chunk", range(10))
def test_fuzz_random_and_mutated_messages_never_raise(chunk):
    rng = random.Random(chunk)
    samples = FREE_TEXT_BOUNCES + [
        simulated(sim.build_dsn, "dsn"),
        simulated(sim.build_arf, "complaint"),
        simulated(sim.build_reply, "reply"),
    ]
    for case in range(300):
        if case % 5 == 0:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(2000)))
        else:
            raw = _mutate(rng, rng.choice(samples))
        assert _valid(classify(raw, rng.choice([None, MAILBOX, VERP])))
