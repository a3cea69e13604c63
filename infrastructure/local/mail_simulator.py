"""Mailbox simulator for the local SMTP server, like Amazon SES's (the recipients' side).

Owns: the rules for addresses at ``sim.penguinmails.test`` (plus-addressing and case ignored):
``success@`` is accepted, ``bounce@`` is refused at RCPT, ``defer@`` gets 451 twice per
(sender, recipient) pair, ``slow@`` delays the DATA reply, and ``dsn@``, ``complaint@``,
``ooto@`` and ``reply@`` are accepted and then answered with a generated message (RFC 3464
DSN, RFC 5965 ARF report, auto-reply with a return date a few days after the original was
sent, human reply) for the sending mailbox's inbox. Forced bounces make it refuse at RCPT
(550 5.1.1, a hard bounce) exactly ``rate`` of the recipients an authenticated sender's
session names, whatever their address: the n-th is refused when floor(n*rate) grows, so
after n recipients floor(n*rate) were refused. The builders are pure functions over the
stdlib ``email`` package; ``Simulator`` keeps the only state (deferral counts, forced
bounces). It never touches sockets: ``smtp_server`` calls it.
"""

from __future__ import annotations

import email
import email.policy
import math
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid, parsedate_to_datetime
from fractions import Fraction
from typing import Any

SIM_DOMAIN = "sim.penguinmails.test"
MAILER_DAEMON = f"MAILER-DAEMON@{SIM_DOMAIN}"
COMPLAINTS = f"complaints@{SIM_DOMAIN}"
USER_AGENT = "PenguinMails-Simulator/1.0"
DEFER_REPLY = "451 4.7.1 Try again later"
DEFER_TIMES = 2
DEFAULT_SLOW_SECONDS = 5.0
QUOTE_LINES = 20
BEHAVIOURS = frozenset({"success", "bounce", "defer", "slow", "dsn", "complaint", "ooto", "reply"})
POLICY = email.policy.SMTPUTF8  # CRLF line endings, UTF-8 headers allowed

_HEADER_END = re.compile(r"\r?\n\r?\n")


# --- addresses --------------------------------------------------------------------------------


def behaviour(address: str) -> str | None:
    """Simulator behaviour of ``address`` (``"bounce"``, ``"dsn"``…) or None if ordinary."""
    local, _, domain = address.strip().lower().rpartition("@")
    if domain != SIM_DOMAIN:
        return None
    base = local.split("+", 1)[0]
    return base if base in BEHAVIOURS else None


def bounce_reply(address: str) -> str:
    return f"550 5.1.1 <{address}>: Recipient address rejected: user unknown"


def exact_rate(rate: float) -> Fraction:
    """``rate`` as the decimal it was written as (0.29 is 29/100, not the float below it)."""
    return Fraction(str(rate))


def nth_refused(n: int, rate: Fraction) -> bool:
    """Whether the ``n``-th recipient (from 1) is refused at ``rate``: floor(n*rate) grows."""
    return math.floor(n * rate) > math.floor((n - 1) * rate)


# --- message builders -------------------------------------------------------------------------


@dataclass(frozen=True)
class Original:
    """The accepted message a generated one answers, as the simulated recipient saw it."""

    raw: str
    mail_from: str
    recipient: str  # the simulator address as it appeared in RCPT TO
    mailbox: str  # the sending mailbox the answer goes to

    @property
    def parsed(self) -> EmailMessage:
        return email.message_from_string(self.raw, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def header_block(self) -> str:
        return _HEADER_END.split(self.raw, maxsplit=1)[0] + "\r\n"


def _stamp(message: Message, sender: str, to: str, subject: str) -> None:
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=SIM_DOMAIN)


def _fields(pairs: Iterable[tuple[str, str]]) -> Message:
    block = Message(policy=POLICY)
    for name, value in pairs:
        block[name] = value
    return block


def _delivery_status(original: Original) -> MIMEBase:
    per_message = _fields([("Reporting-MTA", f"dns; {SIM_DOMAIN}")])
    per_recipient = _fields(
        [
            ("Final-Recipient", f"rfc822; {original.recipient}"),
            ("Action", "failed"),
            ("Status", "5.1.1"),
            ("Diagnostic-Code", "smtp; 550 5.1.1 user unknown"),
        ]
    )
    part = MIMEBase("message", "delivery-status", policy=POLICY)
    part.set_payload([per_message, per_recipient])
    return part


def build_dsn(original: Original) -> Message:
    """RFC 3464 ``multipart/report; report-type=delivery-status`` failure notice."""
    report = MIMEMultipart("report", report_type="delivery-status", policy=POLICY)
    _stamp(report, MAILER_DAEMON, original.mailbox, "Undelivered Mail Returned to Sender")
    report["Auto-Submitted"] = "auto-replied"
    human = f"Your message could not be delivered to <{original.recipient}>: user unknown.\n"
    report.attach(MIMEText(human, "plain", policy=POLICY))
    report.attach(_delivery_status(original))
    report.attach(MIMEText(original.header_block, "rfc822-headers", policy=POLICY))
    return report


def build_arf(original: Original) -> Message:
    """RFC 5965 ``multipart/report; report-type=feedback-report`` abuse complaint."""
    report = MIMEMultipart("report", report_type="feedback-report", policy=POLICY)
    _stamp(report, COMPLAINTS, original.mailbox, "Complaint about message")
    human = f"This is an abuse report for a message sent to <{original.recipient}>.\n"
    report.attach(MIMEText(human, "plain", policy=POLICY))
    feedback = _fields(
        [
            ("Feedback-Type", "abuse"),
            ("User-Agent", USER_AGENT),
            ("Version", "1"),
            ("Original-Mail-From", f"<{original.mail_from}>"),
            ("Original-Rcpt-To", f"<{original.recipient}>"),
            ("Arrival-Date", formatdate(usegmt=True)),
        ]
    )
    report.attach(MIMEMessage(feedback, "feedback-report", policy=POLICY))
    report.attach(MIMEMessage(original.parsed, policy=POLICY))
    return report


def _thread(message: Message, parsed: EmailMessage) -> None:
    message_id = parsed.get("Message-ID")
    if not message_id:
        return
    references = parsed.get("References")
    message["In-Reply-To"] = str(message_id)
    message["References"] = f"{references} {message_id}" if references else str(message_id)


def _original_subject(parsed: EmailMessage) -> str:
    return str(parsed.get("Subject", ""))


OOTO_AWAY_DAYS = 4


def ooto_return_on(parsed: EmailMessage) -> date:
    """The day the simulated person is back: ``OOTO_AWAY_DAYS`` after the original was sent
    (its Date header; today when it has none), so campaigns see a concrete return date."""
    try:
        sent = parsedate_to_datetime(str(parsed.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        sent = datetime.now(UTC)
    return sent.date() + timedelta(days=OOTO_AWAY_DAYS)


def build_auto_reply(original: Original) -> Message:
    """Out-of-office answer (``Auto-Submitted: auto-replied``) threaded on the original,
    giving the return date (``ooto_return_on``) as people write it."""
    parsed = original.parsed
    reply = EmailMessage(policy=POLICY)
    _stamp(
        reply, original.recipient, original.mailbox, f"Out of office: {_original_subject(parsed)}"
    )
    reply["Auto-Submitted"] = "auto-replied"
    _thread(reply, parsed)
    back = ooto_return_on(parsed)
    reply.set_content(
        "I am out of the office and will reply when I am back. "
        f"I will be back on {back:%A} {back.day} {back:%B %Y}.\n"
    )
    return reply


def _quoted_body(parsed: EmailMessage) -> str:
    body = parsed.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    lines = text.replace("\r\n", "\n").splitlines()[:QUOTE_LINES]
    return "\n".join(f"> {line}" for line in lines)


def build_reply(original: Original) -> Message:
    """A human reply (no Auto-Submitted) quoting the original, threaded on it."""
    parsed = original.parsed
    reply = EmailMessage(policy=POLICY)
    _stamp(reply, original.recipient, original.mailbox, f"Re: {_original_subject(parsed)}")
    _thread(reply, parsed)
    when = parsed.get("Date")
    intro = f"On {when}, {original.mailbox} wrote:" if when else f"{original.mailbox} wrote:"
    reply.set_content(
        f"Thanks, sounds interesting. Tell me more.\n\n{intro}\n{_quoted_body(parsed)}\n"
    )
    return reply


Builder = Callable[[Original], Message]
BUILDERS: dict[str, tuple[str, Builder]] = {
    "dsn": ("dsn", build_dsn),
    "complaint": ("arf", build_arf),
    "ooto": ("auto_reply", build_auto_reply),
    "reply": ("reply", build_reply),
}


def serialize(message: Message) -> str:
    """Wire form (CRLF, UTF-8) of a generated message."""
    return message.as_bytes(policy=POLICY).decode("utf-8", errors="replace")


def envelope_sender(message: Message) -> str:
    """MAIL FROM for a generated message: the null sender for DSNs, else its From address."""
    if (
        message.get_content_type() == "multipart/report"
        and message.get_param("report-type") == "delivery-status"
    ):
        return ""
    return str(message["From"])


# --- state ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """A generated message bound for ``mailbox``'s inbox."""

    mailbox: str
    kind: str  # dsn | arf | auto_reply | reply
    mail_from: str
    raw: str


@dataclass
class ForcedBounces:
    """A sender's forced bounce rate and what it did so far."""

    rate: Fraction
    recipients: int = 0
    refused: int = 0

    def next_refused(self) -> bool:
        self.recipients += 1
        refused = nth_refused(self.recipients, self.rate)
        self.refused += refused
        return refused


class Simulator:
    """Simulator rules plus the per-(sender, recipient) deferral counts and the forced
    bounces per authenticated sender; thread safe."""

    def __init__(self, slow_seconds: float = DEFAULT_SLOW_SECONDS) -> None:
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        self._tries: dict[tuple[str, str], int] = {}
        self._forced: dict[str, ForcedBounces] = {}

    def force_bounces(self, sender: str, rate: float) -> None:
        """Refuse ``rate`` (0..1) of the recipients ``sender``'s sessions name from now on
        (counting afresh); 0 stops it."""
        key, exact = sender.strip().lower(), exact_rate(rate)
        if not 0 <= exact <= 1:
            raise ValueError("rate must be a number from 0 to 1")
        with self._lock:
            if exact == 0:
                self._forced.pop(key, None)
            else:
                self._forced[key] = ForcedBounces(exact)

    def forced_bounces(self) -> list[dict[str, Any]]:
        """Every forced bounce rate: sender, rate, recipients seen and refused since set."""
        with self._lock:
            return [
                {
                    "sender": sender,
                    "rate": float(f.rate),
                    "recipients": f.recipients,
                    "refused": f.refused,
                }
                for sender, f in sorted(self._forced.items())
            ]

    def rcpt_reply(self, mail_from: str, address: str, sender: str | None = None) -> str | None:
        """SMTP error reply for RCPT TO ``address`` (None accepts); ``sender``: the session's
        authenticated user (None without AUTH), whose forced bounces apply."""
        if sender is not None and self._forced_refusal(sender):
            return bounce_reply(address)
        kind = behaviour(address)
        if kind == "bounce":
            return bounce_reply(address)
        if kind == "defer" and self._count_try(mail_from, address) <= DEFER_TIMES:
            return DEFER_REPLY
        return None

    def _forced_refusal(self, sender: str) -> bool:
        with self._lock:
            forced = self._forced.get(sender.strip().lower())
            return forced is not None and forced.next_refused()

    def _count_try(self, mail_from: str, address: str) -> int:
        key = (mail_from.strip().lower(), address.strip().lower())
        with self._lock:
            self._tries[key] = self._tries.get(key, 0) + 1
            return self._tries[key]

    def data_delay(self, rcpt_tos: Iterable[str]) -> float:
        """Seconds to wait before answering DATA (``slow@`` recipients)."""
        return self.slow_seconds if any(behaviour(r) == "slow" for r in rcpt_tos) else 0.0

    def responses(self, message: dict[str, Any]) -> list[Delivery]:
        """Generated answers to an accepted message (a ``build_message`` record)."""
        mailbox = (message.get("auth_user") or message.get("mail_from") or "").strip().lower()
        if not mailbox:
            return []
        deliveries = []
        for recipient in message["rcpt_tos"]:
            entry = BUILDERS.get(behaviour(recipient) or "")
            if entry is None:
                continue
            kind, build = entry
            original = Original(message["raw"], message["mail_from"], recipient, mailbox)
            generated = build(original)
            deliveries.append(
                Delivery(mailbox, kind, envelope_sender(generated), serialize(generated))
            )
        return deliveries

    def reset(self) -> None:
        """Forget deferral counts."""
        with self._lock:
            self._tries.clear()
