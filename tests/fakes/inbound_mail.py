"""Inbound mail for the classification tests: the local simulator's answers to a real
outgoing email of ours, RFC 3464 reports, and hand-written free-text bounces of classic MTAs
(Postfix, Exim, qmail, Sendmail) and large providers (Gmail, Exchange/Outlook), kept small."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.sending.mime import build as mime
from infrastructure.local import mail_simulator as sim

ID = "msg_agrcaaaaaaaaaaaaaaaaaaaa"
OTHER_ID = "msg_bbbbbbbbbbbbbbbbbbbbbbbb"
VERP = f"b+{ID}@bounces.demo.test"
OUR_MESSAGE_ID = f"<{ID}.0123456789abcdef@demo.test>"
MAILBOX = "alice@demo.test"


def lines(*rows: str) -> bytes:
    return "\r\n".join(rows).encode("utf-8")


def original(recipient: str) -> sim.Original:
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


def simulated(builder, behaviour: str) -> bytes:
    return sim.serialize(builder(original(f"{behaviour}@{sim.SIM_DOMAIN}"))).encode("utf-8")


def dsn(action: str, status: str, diagnostic: str, to: str = VERP) -> bytes:
    return lines(
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


def answer(*headers: str, body: str = "I am away until Monday.") -> bytes:
    return lines(
        "From: Bob <bob@example.net>",
        f"To: {MAILBOX}",
        f"In-Reply-To: {OUR_MESSAGE_ID}",
        *headers,
        "",
        body,
    )


POSTFIX = lines(
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
EXIM = lines(
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
QMAIL = lines(
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
SENDMAIL = lines(
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
GMAIL = lines(
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
EXCHANGE = lines(
    "From: Microsoft Exchange <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>",
    f"To: Alice <{MAILBOX}>",
    "Subject: Undeliverable: Quick question",
    'Content-Type: text/plain; charset="us-ascii"',
    "",
    "Delivery has failed to these recipients or groups:",
    "",
    "Gone User (gone@contoso.com)<mailto:gone@contoso.com>",
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
OUTLOOK_HTML = lines(
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

FREE_TEXT_BOUNCES = [POSTFIX, EXIM, QMAIL, SENDMAIL, GMAIL, EXCHANGE, OUTLOOK_HTML]
