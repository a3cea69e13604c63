"""Classifying inbound mail (``chalicelib.domain.inbound``): the local simulator's DSN, ARF
report, auto-reply and reply answering a real outgoing email of ours; the free-text bounces of
Postfix, Exim, qmail, Sendmail, Gmail and Exchange/Outlook; soft bounces; auto-replies by header
and by subject; quoting styles; and hostile input (malformed MIME, 8-bit headers, 25 MB, fuzz)."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime

import pytest

from chalicelib.adapters import mime
from chalicelib.domain.inbound import KINDS, Classification, classify
from infrastructure.local import mail_simulator as sim

ID = "msg_agrcaaaaaaaaaaaaaaaaaaaa"
OTHER_ID = "msg_bbbbbbbbbbbbbbbbbbbbbbbb"
VERP = f"b+{ID}@bounces.demo.test"
OUR_MESSAGE_ID = f"<{ID}.0123456789abcdef@demo.test>"
MAILBOX = "alice@demo.test"


def _lines(*lines: str) -> bytes:
    return "\r\n".join(lines).encode("utf-8")


def _original(recipient: str) -> sim.Original:
    """A real outgoing email of ours, as the simulator's recipient accepted it."""
    email = mime.OutgoingEmail(
        message_id=ID, from_address=MAILBOX, from_name="Alice", to=recipient,
        subject="Quick question", html=None, text="Hello there,\nare you free Monday?",
        reply_to=None, headers={}, sending_domain="demo.test", bounce_domain="bounces.demo.test",
        unsubscribe_url="https://t.demo.test/u/x", unsubscribe_mailto=None, bulk=True,
        postal_address="1 Road",
    )  # fmt: skip
    raw, mail_from, _ = mime.build(email, datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    return sim.Original(raw.decode(), mail_from, recipient, MAILBOX)


def _simulated(builder, behaviour: str) -> bytes:
    return sim.serialize(builder(_original(f"{behaviour}@{sim.SIM_DOMAIN}"))).encode("utf-8")


# --- the simulator ----------------------------------------------------------------------------


def test_the_simulators_dsn_is_a_hard_bounce_matched_by_the_returned_headers():
    found = classify(_simulated(sim.build_dsn, "dsn"), MAILBOX)

    assert found.kind == "bounce" and found.bounce_type == "hard"
    assert found.recipients == (f"dsn@{sim.SIM_DOMAIN}",)
    assert found.status_codes == ("5.1.1", "550")
    assert found.diagnostic == "550 5.1.1 user unknown"
    assert found.message_ids == (ID,)
    assert found.from_address == sim.MAILER_DAEMON.lower()
    assert found.subject == "Undelivered Mail Returned to Sender"
    assert found.received_at and found.received_at.endswith("Z")
    assert found.reply_text == "" and found.feedback_type is None


def test_the_simulators_arf_report_is_a_complaint_about_our_message():
    found = classify(_simulated(sim.build_arf, "complaint"), MAILBOX)

    assert found.kind == "complaint" and found.feedback_type == "abuse"
    assert found.recipients == (f"complaint@{sim.SIM_DOMAIN}",)
    assert found.message_ids == (ID,)
    assert found.bounce_type is None


def test_the_simulators_auto_reply_is_matched_by_in_reply_to():
    found = classify(_simulated(sim.build_auto_reply, "ooto"), MAILBOX)

    assert found.kind == "auto_reply" and found.message_ids == (ID,)
    assert found.reply_text == "I am out of the office and will reply when I am back."
    assert found.subject == "Out of office: Quick question"


def test_the_simulators_reply_keeps_only_the_new_text():
    found = classify(_simulated(sim.build_reply, "reply"), MAILBOX)

    assert found.kind == "reply" and found.message_ids == (ID,)
    assert found.reply_text == "Thanks, sounds interesting. Tell me more."
    assert found.from_address == f"reply@{sim.SIM_DOMAIN}"
    assert found.message_id_header.endswith(f"@{sim.SIM_DOMAIN}>")


# --- RFC 3464 reports -------------------------------------------------------------------------


def _dsn(action: str, status: str, diagnostic: str, to: str = VERP) -> bytes:
    return _lines(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
        f"To: {to}",
        "Subject: Undelivered Mail Returned to Sender",
        "Date: Sat, 28 Nov 2026 10:00:05 +0100",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
        "",
        "--B",
        "Content-Type: text/plain",
        "",
        "Your message could not be delivered.",
        "--B",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.net",
        "",
        "Original-Recipient: rfc822; Full@Example.NET",
        "Final-Recipient: rfc822; full@example.net",
        f"Action: {action}",
        f"Status: {status}",
        f"Diagnostic-Code: smtp; {diagnostic}",
        "",
        "--B",
        "Content-Type: text/rfc822-headers",
        "",
        f"Message-ID: {OUR_MESSAGE_ID}",
        "Subject: Quick question",
        "",
        "--B--",
        "",
    )


def test_a_full_mailbox_is_a_soft_bounce_although_its_status_is_permanent():
    found = classify(_dsn("failed", "5.2.2", "552 5.2.2 Mailbox full"))

    assert found.kind == "bounce" and found.bounce_type == "soft"
    assert found.status_codes == ("5.2.2", "552")
    assert found.recipients == ("full@example.net",)
    assert found.message_ids == (ID,)
    assert found.received_at == "2026-11-28T09:00:05.000Z"


@pytest.mark.parametrize(
    ("action", "status", "diagnostic", "expected"),
    [
        ("failed", "5.1.1", "550 5.1.1 No such user", "hard"),
        ("failed", "5.3.4", "552 5.3.4 Message too big", "soft"),
        ("failed", "4.4.7", "421 4.4.7 Delivery time expired", "soft"),
        ("delayed", "4.4.1", "451 4.4.1 No answer from host", "soft"),
        ("failed", "5.0.0", "552 5.2.2 Over quota", "soft"),  # the specific code decides
        ("failed", "", "550 Requested action not taken", "hard"),
    ],
)
def test_dsn_hard_or_soft(action, status, diagnostic, expected):
    assert classify(_dsn(action, status, diagnostic)).bounce_type == expected


def test_a_delivery_receipt_is_not_a_bounce():
    found = classify(_dsn("delivered", "2.0.0", "250 2.0.0 OK"))

    assert found.kind == "unknown" and found.bounce_type is None
    assert found.message_ids == (ID,)


def test_ids_come_best_first_verp_then_returned_original_then_threading():
    # given a DSN sent to our VERP address that also names other messages of ours
    raw = _dsn("failed", "5.1.1", "550 5.1.1 unknown").replace(
        b"Subject: Undelivered",
        f"In-Reply-To: <{OTHER_ID}.1111111111111111@demo.test>\r\nSubject: Undelivered".encode(),
    )
    raw = raw.replace(OUR_MESSAGE_ID.encode(), b"<msg_cccccccccccccccccccccccc.ab12@demo.test>")

    # when
    found = classify(raw)

    # then
    assert found.message_ids == (ID, "msg_cccccccccccccccccccccccc", OTHER_ID)


def test_the_envelope_recipient_counts_as_a_verp_address():
    raw = _dsn("failed", "5.1.1", "550 5.1.1 unknown", to=MAILBOX)
    raw = raw.replace(OUR_MESSAGE_ID.encode(), b"<unrelated@example.net>")

    assert classify(raw).message_ids == ()
    assert classify(raw, envelope_rcpt=VERP).message_ids == (ID,)


# --- free-text bounces ------------------------------------------------------------------------

POSTFIX = _lines(
    "Return-Path: <>",
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)",
    f"To: {VERP}",
    "Subject: Undelivered Mail Returned to Sender",
    "",
    "This is the mail system at host mx.example.net.",
    "",
    "I'm sorry to have to inform you that your message could not",
    "be delivered to one or more recipients.",
    "",
    "<gone@example.net>: host mx.example.net[192.0.2.10] said: 550 5.1.1",
    "    <gone@example.net>: Recipient address rejected: User unknown in local",
    "    recipient table (in reply to RCPT TO command)",
    "",
)
EXIM = _lines(
    "Return-path: <>",
    "From: Mail Delivery System <Mailer-Daemon@mx.example.org>",
    f"To: {MAILBOX}",
    "Subject: Mail delivery failed: returning message to sender",
    "X-Failed-Recipients: gone@example.org",
    "Auto-Submitted: auto-replied",
    "",
    "This message was created automatically by mail delivery software.",
    "",
    "A message that you sent could not be delivered to one or more of its",
    "recipients. This is a permanent error. The following address(es) failed:",
    "",
    "  gone@example.org",
    "    host mx.example.org [192.0.2.20]",
    "    SMTP error from remote mail server after RCPT TO:<gone@example.org>:",
    "    550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown",
    "",
    "------ This is a copy of the message, including all the headers. ------",
    "",
    f"Return-path: <{VERP}>",
    f"In-Reply-To: <{OTHER_ID}.1111111111111111@demo.test>",
    f"Message-ID: {OUR_MESSAGE_ID}",
    f"From: Alice <{MAILBOX}>",
    "To: gone@example.org",
    "Subject: Quick question",
    "",
    "Hello there, write to admin@example.org if needed.",
    "",
)
QMAIL = _lines(
    "From: MAILER-DAEMON@mail.example.com",
    f"To: {VERP}",
    "Subject: failure notice",
    "",
    "Hi. This is the qmail-send program at mail.example.com.",
    "I'm afraid I wasn't able to deliver your message to the following addresses.",
    "This is a permanent error; I've given up. Sorry it didn't work out.",
    "",
    "<gone@example.com>:",
    "Sorry, no mailbox here by that name. (#5.1.1)",
    "",
    "--- Below this line is a copy of the message.",
    "",
    f"Return-Path: <{VERP}>",
    "To: gone@example.com",
    "",
)
SENDMAIL = _lines(
    "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.edu>",
    f"To: <{VERP}>",
    "Subject: Returned mail: see transcript for details",
    "Auto-Submitted: auto-generated (failure)",
    "",
    "The original message was received at Sat, 28 Nov 2026 10:00:00 -0500",
    "from mail.demo.test [198.51.100.7]",
    "",
    "   ----- The following addresses had permanent fatal errors -----",
    "<gone@example.edu>",
    "    (reason: 550 5.1.1 <gone@example.edu>... User unknown)",
    "",
    "   ----- Transcript of session follows -----",
    "... while talking to mx.example.edu.:",
    ">>> RCPT To:<gone@example.edu>",
    "<<< 550 5.1.1 <gone@example.edu>... User unknown",
    "",
    "   ----- Original message follows -----",
    f"From: {MAILBOX}",
    "",
)
GMAIL = _lines(
    "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
    f"To: {MAILBOX}",
    "Subject: Delivery Status Notification (Failure)",
    f"References: {OUR_MESSAGE_ID}",
    f"In-Reply-To: {OUR_MESSAGE_ID}",
    'Content-Type: multipart/mixed; boundary="g"',
    "",
    "--g",
    'Content-Type: text/plain; charset="UTF-8"',
    "",
    "** Address not found **",
    "",
    "Your message wasn't delivered to gone@gmail.com because the address couldn't be found,",
    "or is unable to receive mail.",
    "",
    "The response was:",
    "",
    "550 5.1.1 The email account that you tried to reach does not exist. Please try",
    "double-checking the recipient's email address for typos or unnecessary spaces.",
    "--g",
    "Content-Type: message/rfc822",
    "",
    f"Message-ID: {OUR_MESSAGE_ID}",
    f"From: {MAILBOX}",
    "To: gone@gmail.com",
    "",
    "Hello there",
    "--g--",
    "",
)
EXCHANGE = _lines(
    "From: Microsoft Exchange <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>",
    f"To: Alice <{MAILBOX}>",
    "Subject: Undeliverable: Quick question",
    'Content-Type: text/plain; charset="us-ascii"',
    "",
    "Delivery has failed to these recipients or groups:",
    "",
    "Gone User (gone@contoso.com)",
    "gone@contoso.com",
    "The e-mail address you entered couldn't be found.",
    "",
    "Diagnostic information for administrators:",
    "",
    "Generating server: mail.contoso.com",
    "",
    "gone@contoso.com",
    "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
    "",
    "Original message headers:",
    "",
    f"Message-ID: {OUR_MESSAGE_ID}",
    f"Return-Path: {VERP}",
    "",
)
OUTLOOK_HTML = _lines(
    "From: postmaster@outlook.com",
    f"To: {MAILBOX}",
    "Subject: Undeliverable: Quick question",
    'Content-Type: text/html; charset="utf-8"',
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "<html><head><style>p{color:red}</style></head><body>",
    '<p>Your message to <a href=3D"mailto:gone@contoso.com">gone@contoso.com</a> couldn=',
    "'t be delivered.</p><p>gone wasn&#39;t found at contoso.com.</p>",
    "<p>Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not",
    " found by SMTP address lookup'</p>",
    f"<pre>Message-ID: {OUR_MESSAGE_ID}</pre></body></html>",
    "",
)


@pytest.mark.parametrize(
    ("raw", "recipient", "codes"),
    [
        (POSTFIX, "gone@example.net", ("5.1.1", "550")),
        (EXIM, "gone@example.org", ("5.1.1", "550")),
        (QMAIL, "gone@example.com", ("5.1.1",)),
        (SENDMAIL, "gone@example.edu", ("5.1.1", "550")),
        (GMAIL, "gone@gmail.com", ("5.1.1", "550")),
        (EXCHANGE, "gone@contoso.com", ("5.1.1", "550")),
        (OUTLOOK_HTML, "gone@contoso.com", ("5.1.10", "550")),
    ],
    ids=["postfix", "exim", "qmail", "sendmail", "gmail", "exchange", "outlook-html"],
)
def test_free_text_bounces_of_mtas_and_providers(raw, recipient, codes):
    found = classify(raw, MAILBOX)

    assert found.kind == "bounce" and found.bounce_type == "hard"
    assert found.recipients == (recipient,)
    assert found.status_codes == codes
    assert found.message_ids[0] == ID
    assert codes[0] in found.diagnostic


def test_a_free_text_bounce_reports_the_returned_message_not_the_one_it_answered():
    # Exim's inline copy names an earlier message in In-Reply-To: only its Message-ID counts
    assert classify(EXIM, MAILBOX).message_ids == (ID,)


def test_free_text_bounce_diagnostics_keep_the_continuation_lines():
    diagnostic = classify(POSTFIX).diagnostic

    assert diagnostic.startswith("<gone@example.net>: host mx.example.net[192.0.2.10] said: 550")
    assert "User unknown in local" in diagnostic and len(diagnostic) <= 500


def test_free_text_soft_bounces():
    full = POSTFIX.replace(b"550 5.1.1", b"552 5.2.2").replace(b"User unknown", b"Over quota")
    delayed = _lines(
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        f"To: {VERP}",
        "Subject: Delivery Status Notification (Delay)",
        "",
        "Message temporarily not delivered to gone@example.com; Gmail will retry for 46 hours.",
    )
    bare_quota = POSTFIX.replace(b"550 5.1.1", b"552").replace(b"User unknown", b"Over quota")

    assert classify(full).bounce_type == "soft"
    assert classify(delayed).bounce_type == "soft"
    assert classify(delayed).recipients == ("gone@example.com",)
    assert classify(bare_quota).bounce_type == "soft"


# --- complaints -------------------------------------------------------------------------------


def test_an_arf_report_without_original_rcpt_to_names_the_originals_recipient():
    raw = _simulated(sim.build_arf, "complaint").replace(b"Original-Rcpt-To", b"X-Dropped")

    found = classify(raw)

    assert found.kind == "complaint" and found.recipients == (f"complaint@{sim.SIM_DOMAIN}",)
    assert found.message_ids == (ID,)


# --- auto-replies -----------------------------------------------------------------------------


def _answer(*headers: str, body: str = "I am away until Monday.") -> bytes:
    return _lines(
        "From: Bob <bob@example.net>",
        f"To: {MAILBOX}",
        f"In-Reply-To: {OUR_MESSAGE_ID}",
        *headers,
        "",
        body,
    )


@pytest.mark.parametrize(
    "headers",
    [
        ("Auto-Submitted: auto-replied", "Subject: Re: Quick question"),
        ("Auto-Submitted: auto-generated", "Subject: Ticket #123 received"),
        ("X-Autoreply: yes", "Subject: Re: Quick question"),
        ("X-Autorespond: Quick question", "Subject: Re: Quick question"),
        ("Precedence: auto_reply", "Subject: Re: Quick question"),
        ("X-MS-Exchange-Inbox-Rules-Loop: bob@example.net", "Subject: Quick question"),
        ("Precedence: bulk", "Subject: Re: Quick question (out of office)"),
    ],
)
def test_auto_replies_by_header(headers):
    found = classify(_answer(*headers))

    assert found.kind == "auto_reply" and found.message_ids == (ID,)
    assert found.reply_text == "I am away until Monday."


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Quick question",
        "Automatic reply: Quick question",
        "Auto: Quick question",
        "Abwesenheitsnotiz: Quick question",
        "=?utf-8?q?R=C3=A9ponse_automatique_=3A_Quick_question?=",
        "I'm away until Monday",
        "On vacation",
        "[Out of office] Quick question",
    ],
)
def test_auto_replies_by_subject(subject):
    assert classify(_answer(f"Subject: {subject}")).kind == "auto_reply"


@pytest.mark.parametrize(
    "headers",
    [
        ("Auto-Submitted: no", "Subject: Re: Quick question"),
        ("Subject: Re: Out of office tomorrow?",),  # a person asking, not an auto-reply
        ("Precedence: bulk", "Subject: Re: Quick question"),
    ],
)
def test_human_replies_are_not_auto_replies(headers):
    assert classify(_answer(*headers)).kind == "reply"


def test_an_auto_reply_to_our_verp_address_with_a_null_sender_is_not_a_bounce():
    raw = _lines(
        "Return-Path: <>",
        "From: Bob <bob@example.net>",
        f"To: {VERP}",
        "Auto-Submitted: auto-replied",
        "Subject: Automatic reply: Quick question",
        "",
        "I am away until Monday.",
    )

    found = classify(raw)

    assert found.kind == "auto_reply" and found.message_ids == (ID,)


def test_a_bounce_wins_over_its_auto_submitted_header():
    assert classify(EXIM).kind == "bounce"  # Exim marks its bounces Auto-Submitted too


# --- replies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quote",
    [
        "Le sam. 28 nov. 2026 à 10:00, Alice <alice@demo.test> a écrit :\n> Hello there",
        "Am 28.11.2026 um 10:00 schrieb Alice <alice@demo.test>:\n> Hello there",
        "Alice <alice@demo.test> schrieb am Sa., 28. Nov. 2026, 10:00:\n> Hello there",
        "On Sat, Nov 28, 2026 at 10:00 AM Alice <\nalice@demo.test> wrote:\n\nHello there",
        "-----Original Message-----\nFrom: Alice\nHello there",
        "-----Ursprüngliche Nachricht-----\nVon: Alice\nHello there",
        "From: Alice <alice@demo.test>\nSent: Saturday, November 28, 2026 10:00\nHello there",
        "De : Alice <alice@demo.test>\nEnvoyé : samedi 28 novembre 2026 10:00\nHello there",
        "________________________________\nFrom: Alice\nSent: Saturday\nHello there",
        "> Hello there",
        "-- \nBob Builder\nCEO",
    ],
    ids=["fr", "de", "de-thunderbird", "en-wrapped", "outlook", "outlook-de", "outlook-block",
         "outlook-fr", "outlook-rule", "angle", "signature"],
)  # fmt: skip
def test_reply_text_stops_at_the_quoted_history(quote):
    raw = _answer(
        "Subject: Re: Quick question",
        "Content-Type: text/plain; charset=utf-8",
        body=f"Oui, lundi me va.\nMerci !\n\n{quote}\n".replace("\n", "\r\n"),
    )

    assert classify(raw).reply_text == "Oui, lundi me va.\nMerci !"


def test_reply_text_of_an_html_only_reply_stops_at_the_gmail_quote():
    raw = _answer(
        "Subject: Re: Quick question",
        "Content-Type: text/html; charset=iso-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        body='<div dir=3D"ltr">Ja, gern.<br>Gr=FC=DFe</div><br><div class=3D"gmail_quote">'
        "<div>On Sat Alice wrote:</div><blockquote>Hello there</blockquote></div>",
    )

    assert classify(raw).reply_text == "Ja, gern.\nGrüße"


def test_reply_text_is_bounded():
    found = classify(_answer("Subject: Re: Quick question", body="word " * 100_000))

    assert 0 < len(found.reply_text) <= 10_000


def test_a_reply_matched_only_by_references_names_the_nearest_ancestor_first():
    raw = _lines(
        "From: bob@example.net",
        "Subject: Re: Quick question",
        f"References: <{OTHER_ID}.1111111111111111@demo.test> {OUR_MESSAGE_ID} <x@elsewhere>",
        "",
        "Sure.",
    )

    assert classify(raw).message_ids == (ID, OTHER_ID)


def test_mail_that_names_none_of_ours_is_unknown_with_its_fields_filled():
    raw = _lines(
        "From: =?utf-8?q?Zo=C3=A9?= <Zoe@Example.NET>",
        "Subject: Hello",
        "Date: Sun, 29 Nov 2026 08:30:00 -0000",
        "Message-ID: <abc@example.net>",
        "In-Reply-To: <someone-else@example.net>",
        "",
        "Just saying hi.",
    )

    found = classify(raw)

    assert found.kind == "unknown" and found.message_ids == ()
    assert (found.from_address, found.subject) == ("zoe@example.net", "Hello")
    assert found.received_at == "2026-11-29T08:30:00.000Z"
    assert found.message_id_header == "<abc@example.net>"
    assert found.reply_text == "Just saying hi."


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
    raw = _answer('Content-Type: multipart/mixed; boundary="z"', "Subject: Re: x", body="")
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
            raw = _answer(f"Content-Type: {content_type}", f"Subject: {body[:5000]}", body=body)

            # when / then
            assert _valid(classify(raw))
            assert _valid(classify(POSTFIX + body.encode()))


_SAMPLES = [POSTFIX, EXIM, QMAIL, SENDMAIL, GMAIL, EXCHANGE, OUTLOOK_HTML]


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
    samples = _SAMPLES + [
        _simulated(sim.build_dsn, "dsn"),
        _simulated(sim.build_arf, "complaint"),
        _simulated(sim.build_reply, "reply"),
    ]
    for case in range(300):
        if case % 5 == 0:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(2000)))
        else:
            raw = _mutate(rng, rng.choice(samples))
        assert _valid(classify(raw, rng.choice([None, MAILBOX, VERP])))
