"""Classifying inbound mail (``chalicelib.inbound.rules.classify``): the local simulator's DSN, ARF
report, auto-reply and reply answering a real outgoing email of ours; RFC 3464 reports, hard
and soft; the free-text bounces of Postfix, Exim, qmail, Sendmail, Gmail and Exchange/Outlook;
auto-replies by header and by subject; quoting styles; and message-id matching order."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.inbound.rules.classify import classify
from chalicelib.inbound.rules.return_date import return_date
from infrastructure.local import mail_simulator as sim
from tests.fakes.inbound_mail import (
    EXCHANGE,
    EXIM,
    GMAIL,
    ID,
    MAILBOX,
    OTHER_ID,
    OUR_MESSAGE_ID,
    OUTLOOK_HTML,
    POSTFIX,
    QMAIL,
    SENDMAIL,
    VERP,
    answer,
    dsn,
    lines,
    simulated,
)

# --- the simulator ----------------------------------------------------------------------------


def test_the_simulators_dsn_is_a_hard_bounce_matched_by_the_returned_headers():
    found = classify(simulated(sim.build_dsn, "dsn"), MAILBOX)

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
    found = classify(simulated(sim.build_arf, "complaint"), MAILBOX)

    assert found.kind == "complaint" and found.feedback_type == "abuse"
    assert found.recipients == (f"complaint@{sim.SIM_DOMAIN}",)
    assert found.message_ids == (ID,)
    assert found.bounce_type is None


def test_the_simulators_auto_reply_is_matched_by_in_reply_to():
    found = classify(simulated(sim.build_auto_reply, "ooto"), MAILBOX)

    assert found.kind == "auto_reply" and found.message_ids == (ID,)
    assert found.reply_text.startswith("I am out of the office and will reply when I am back.")
    assert "I will be back on " in found.reply_text
    assert found.subject == "Out of office: Quick question"


def test_the_simulators_auto_reply_gives_a_return_date_a_few_days_after_the_sending():
    # given the simulator's answer to an email of ours sent on 28 November 2026
    found = classify(simulated(sim.build_auto_reply, "ooto"), MAILBOX)

    # when its text is read for a return date, then it is the day the simulator promised
    assert return_date(found.reply_text, date(2026, 11, 28)) == date(2026, 12, 2)
    assert sim.OOTO_AWAY_DAYS == 4


def test_the_simulators_reply_keeps_only_the_new_text():
    found = classify(simulated(sim.build_reply, "reply"), MAILBOX)

    assert found.kind == "reply" and found.message_ids == (ID,)
    assert found.reply_text == "Thanks, sounds interesting. Tell me more."
    assert found.from_address == f"reply@{sim.SIM_DOMAIN}"
    assert found.message_id_header.endswith(f"@{sim.SIM_DOMAIN}>")


# --- RFC 3464 reports -------------------------------------------------------------------------


def test_a_full_mailbox_is_a_soft_bounce_although_its_status_is_permanent():
    found = classify(dsn("failed", "5.2.2", "552 5.2.2 Mailbox full"))

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
    assert classify(dsn(action, status, diagnostic)).bounce_type == expected


def test_a_delivery_receipt_is_not_a_bounce():
    found = classify(dsn("delivered", "2.0.0", "250 2.0.0 OK"))

    assert found.kind == "unknown" and found.bounce_type is None
    assert found.message_ids == (ID,)


def test_ids_come_best_first_verp_then_returned_original_then_threading():
    # given a DSN sent to our VERP address that also names other messages of ours
    raw = dsn("failed", "5.1.1", "550 5.1.1 unknown").replace(
        b"Subject: Undelivered",
        f"In-Reply-To: <{OTHER_ID}.1111111111111111@demo.test>\r\nSubject: Undelivered".encode(),
    )
    raw = raw.replace(OUR_MESSAGE_ID.encode(), b"<msg_cccccccccccccccccccccccc.ab12@demo.test>")

    # when
    found = classify(raw)

    # then
    assert found.message_ids == (ID, "msg_cccccccccccccccccccccccc", OTHER_ID)


def test_the_envelope_recipient_counts_as_a_verp_address():
    raw = dsn("failed", "5.1.1", "550 5.1.1 unknown", to=MAILBOX)
    raw = raw.replace(OUR_MESSAGE_ID.encode(), b"<unrelated@example.net>")

    assert classify(raw).message_ids == ()
    assert classify(raw, envelope_rcpt=VERP).message_ids == (ID,)


def test_only_the_failed_recipients_of_a_mixed_report_are_named():
    raw = dsn("failed", "5.1.1", "550 5.1.1 unknown").replace(
        b"Reporting-MTA: dns; mx.example.net\r\n",
        b"Reporting-MTA: dns; mx.example.net\r\n\r\n"
        b"Final-Recipient: rfc822; ok@example.net\r\nAction: delivered\r\nStatus: 2.0.0\r\n",
    )

    found = classify(raw)

    assert found.recipients == ("full@example.net",) and found.status_codes[0] == "5.1.1"


# --- free-text bounces ------------------------------------------------------------------------


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
    delayed = lines(
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
    raw = simulated(sim.build_arf, "complaint").replace(b"Original-Rcpt-To", b"X-Dropped")

    found = classify(raw)

    assert found.kind == "complaint" and found.recipients == (f"complaint@{sim.SIM_DOMAIN}",)
    assert found.message_ids == (ID,)


@pytest.mark.parametrize(
    ("feedback_type", "expected"),
    [("fraud", "fraud"), ("Not-Spam", "not-spam"), ("ab use!", "other"), (None, None)],
)
def test_the_feedback_type_of_an_arf_report(feedback_type, expected):
    raw = simulated(sim.build_arf, "complaint")
    replacement = f"Feedback-Type: {feedback_type}" if feedback_type else "X-Dropped: x"
    raw = raw.replace(b"Feedback-Type: abuse", replacement.encode())

    assert classify(raw).feedback_type == expected


# --- auto-replies -----------------------------------------------------------------------------


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
    found = classify(answer(*headers))

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
    assert classify(answer(f"Subject: {subject}")).kind == "auto_reply"


@pytest.mark.parametrize(
    "headers",
    [
        ("Auto-Submitted: no", "Subject: Re: Quick question"),
        ("Subject: Re: Out of office tomorrow?",),  # a person asking, not an auto-reply
        ("Precedence: bulk", "Subject: Re: Quick question"),
    ],
)
def test_human_replies_are_not_auto_replies(headers):
    assert classify(answer(*headers)).kind == "reply"


def test_an_auto_reply_to_our_verp_address_with_a_null_sender_is_not_a_bounce():
    raw = lines(
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
    raw = answer(
        "Subject: Re: Quick question",
        "Content-Type: text/plain; charset=utf-8",
        body=f"Oui, lundi me va.\nMerci !\n\n{quote}\n".replace("\n", "\r\n"),
    )

    assert classify(raw).reply_text == "Oui, lundi me va.\nMerci !"


def test_reply_text_of_an_html_only_reply_stops_at_the_gmail_quote():
    raw = answer(
        "Subject: Re: Quick question",
        "Content-Type: text/html; charset=iso-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        body='<div dir=3D"ltr">Ja, gern.<br>Gr=FC=DFe</div><br><div class=3D"gmail_quote">'
        "<div>On Sat Alice wrote:</div><blockquote>Hello there</blockquote></div>",
    )

    assert classify(raw).reply_text == "Ja, gern.\nGrüße"


def test_reply_text_is_bounded():
    found = classify(answer("Subject: Re: Quick question", body="word " * 100_000))

    assert 0 < len(found.reply_text) <= 10_000


def test_a_reply_matched_only_by_references_names_the_nearest_ancestor_first():
    raw = lines(
        "From: bob@example.net",
        "Subject: Re: Quick question",
        f"References: <{OTHER_ID}.1111111111111111@demo.test> {OUR_MESSAGE_ID} <x@elsewhere>",
        "",
        "Sure.",
    )

    assert classify(raw).message_ids == (ID, OTHER_ID)


def test_a_long_references_chain_still_yields_its_nearest_ancestor():
    older = " ".join(f"<old{n}.abc@elsewhere.example>" for n in range(400))
    raw = lines("From: bob@example.net", f"References: {older} {OUR_MESSAGE_ID}", "", "Sure.")

    assert len(older) > 8000 and classify(raw).message_ids == (ID,)


def test_an_auto_reply_that_names_none_of_ours_is_still_an_auto_reply():
    raw = lines("From: bob@example.net", "Subject: Automatic reply: hi", "", "Away.")

    found = classify(raw)

    assert found.kind == "auto_reply" and found.message_ids == ()


def test_mail_that_names_none_of_ours_is_unknown_with_its_fields_filled():
    raw = lines(
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
