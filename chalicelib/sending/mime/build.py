"""Building and DKIM-signing one outgoing email: the one MIME builder.

``build`` turns an ``OutgoingEmail`` into RFC 5322 bytes (CRLF line endings), plus the VERP
envelope sender and whether the message needs SMTPUTF8. It checks the values (``headers``)
and writes the fields and MIME parts directly (``fields``; the ``email`` object model was
most of the cost). The stdlib ``EmailMessage`` build it replaced is kept in the tests as the
oracle the equivalence tests compare it with. With ``tracking``, HTML links go through
signed ``/t/c/`` tokens and an open pixel is added (the derived text part keeps the real
URLs); ``javascript:``, ``vbscript:`` and ``data:`` links are refused with or without
tracking. ``sign`` prepends a DKIM-Signature (RSA-SHA256, relaxed/relaxed) made by
``dkim.DkimSigner``, one cached per key.

A follow-up carries ``In-Reply-To`` and ``References`` (both DKIM-signed when present).
Bulk mail carries ``List-Unsubscribe`` (https and mailto), ``List-Unsubscribe-Post`` and a
footer with the postal address (see PRODUCT.md, "Sending rules").
"""

from __future__ import annotations

import html as html_lib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache, partial

from chalicelib.mail.addresses import idna, message_id_header, verp_address
from chalicelib.mail.text import html_to_text
from chalicelib.sending.mime import fields as mime_fast
from chalicelib.sending.mime import links as tracking_links
from chalicelib.sending.mime.dkim import DkimSigner
from chalicelib.sending.mime.headers import check_custom_headers, check_value
from chalicelib.sending.rules import tokens as tracking_tokens

_ADDRESS_FORBIDDEN = re.compile(r"[\s<>()\[\],;:\"\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Tracking:
    """Open and click tracking for one message: tokens signed with ``keys`` until
    ``expires_at`` (Unix seconds), served under ``base_url`` (e.g. ``https://t.<domain>``),
    carrying ``sent_at``, the build time the tracking verdicts take as the send time."""

    base_url: str
    tenant_id: str
    keys: tracking_tokens.TokenKeys
    expires_at: int
    opens: bool = True
    clicks: bool = True
    sent_at: int | None = None

    def token(
        self, message_id: str, kind: str, link_index: int | None = None, url: str | None = None
    ) -> str:
        claims = tracking_tokens.TokenClaims(
            kind, self.tenant_id, message_id, self.expires_at, link_index, url, self.sent_at
        )
        return tracking_tokens.encode(claims, self.keys)


@dataclass(frozen=True)
class OutgoingEmail:
    """One email ready to be rendered; ``headers`` are custom headers already validated."""

    message_id: str
    from_address: str
    from_name: str
    to: str
    subject: str
    html: str | None
    text: str | None
    reply_to: str | None
    headers: dict[str, str]
    sending_domain: str
    bounce_domain: str
    unsubscribe_url: str | None
    unsubscribe_mailto: str | None
    bulk: bool
    postal_address: str | None
    tracking: Tracking | None = None
    in_reply_to: str | None = None  # Message-ID (with <>) of the message this one answers
    references: tuple[str, ...] = ()


def _address(field: str, value: str) -> tuple[str, str]:
    """(local part, punycode domain) of a bare address."""
    local, at, domain = check_value(field, value.strip()).rpartition("@")
    if not at or not local or not domain or _ADDRESS_FORBIDDEN.search(local + domain):
        raise ValueError(f"{field} is not a valid email address: {value!r}")
    return local, idna(domain)


# The local platform serves its tracking and unsubscribe routes over plain http on loopback;
# nothing else may use http (RFC 8058 one-click needs https on the internet).
_LOOPBACK = ("http://127.0.0.1:", "http://localhost:")
_NOT_IN_ANGLE_BRACKETS = re.compile(r"[\s<>]")


def _list_unsubscribe(email: OutgoingEmail) -> str:
    url = check_value("unsubscribe_url", email.unsubscribe_url or "")
    if not url.startswith(("https://", *_LOOPBACK)) or _NOT_IN_ANGLE_BRACKETS.search(url):
        raise ValueError("bulk mail needs an https unsubscribe_url")
    parts = [f"<{url}>"]
    if email.unsubscribe_mailto:
        mailto = check_value("unsubscribe_mailto", email.unsubscribe_mailto)
        mailto = mailto if mailto.startswith("mailto:") else f"mailto:{mailto}"
        if _NOT_IN_ANGLE_BRACKETS.search(mailto):
            raise ValueError("invalid unsubscribe_mailto")
        parts.append(f"<{mailto}>")
    return ", ".join(parts)


def _footers(email: OutgoingEmail) -> tuple[str, str]:
    """(text footer, html footer) for bulk mail."""
    postal = (email.postal_address or "").strip()
    if not postal:
        raise ValueError("bulk mail needs a postal address")
    url = email.unsubscribe_url or ""
    text = f"\n-- \n{postal}\nUnsubscribe: {url}\n"
    html = (
        '<hr><p style="font-size:12px;color:#666">'
        f"{html_lib.escape(postal).replace(chr(10), '<br>')}<br>"
        f'<a href="{html_lib.escape(url)}">Unsubscribe</a></p>'
    )
    return text, html


def _append_html(document: str, footer: str) -> str:
    index = document.lower().rfind("</body>")
    if index < 0:
        return document + footer
    return document[:index] + footer + document[index:]


def _tracked(email: OutgoingEmail, html: str) -> str:
    """``html`` with tracked links and open pixel as ``email.tracking`` asks; a refused link
    destination is a ValueError naming the link, tracked or not."""
    track, message_id = email.tracking, email.message_id
    try:
        if track is None:
            return tracking_links.rewrite_html(
                html, base_url="", make_click_token=None, open_token=None
            )
        return tracking_links.rewrite_html(
            html,
            base_url=track.base_url,
            make_click_token=partial(track.token, message_id, "click") if track.clicks else None,
            open_token=track.token(message_id, "open") if track.opens else None,
            skip_urls=frozenset({email.unsubscribe_url or ""}),
        )
    except ValueError as exc:
        raise ValueError(f"html: {exc}") from exc


def _bodies(email: OutgoingEmail) -> tuple[str, str | None]:
    """(text, html or None), with the bulk footer when needed."""
    if email.html is None and email.text is None:
        raise ValueError("an email needs html or text")
    text = email.text if email.text is not None else html_to_text(email.html or "")
    html = None if email.html is None else _tracked(email, email.html)
    if email.bulk:
        text_footer, html_footer = _footers(email)
        text = text.rstrip("\n") + "\n" + text_footer
        html = None if html is None else _append_html(html, html_footer)
    return text, html


@dataclass(frozen=True)
class _Mailbox:
    """A validated mailbox: display name, local part and punycode domain."""

    display_name: str
    local: str
    domain: str


def _mailboxes(email: OutgoingEmail) -> tuple[dict[str, _Mailbox], bool]:
    """From, To and Reply-To, and whether any local part needs SMTPUTF8."""
    sender = _address("from_address", email.from_address)
    name = check_value("from_name", email.from_name)
    mailboxes = {"From": _Mailbox(name, *sender), "To": _Mailbox("", *_address("to", email.to))}
    if email.reply_to:
        mailboxes["Reply-To"] = _Mailbox("", *_address("reply_to", email.reply_to))
    return mailboxes, not all(box.local.isascii() for box in mailboxes.values())


def _message_id(email: OutgoingEmail) -> str:
    """Ours, on the From address's domain (``rfc_message_id`` names it before the build)."""
    return message_id_header(email.message_id, email.from_address.strip().rpartition("@")[2])


_MSG_ID = re.compile(r"<[!-;=?-~]{1,250}>")  # printable ASCII, no angle brackets inside
MAX_REFERENCES = 20
_THREAD_FIELDS = frozenset({"in-reply-to", "references"})


def _thread(email: OutgoingEmail) -> list[str]:
    """``In-Reply-To`` and ``References`` of a follow-up (none for a first message); a long
    ``References`` keeps the first id and the latest ones (RFC 5322, 3.6.4)."""
    given = [email.in_reply_to] if email.in_reply_to else []
    references = list(email.references)
    if len(references) > MAX_REFERENCES:
        references = [references[0], *references[-(MAX_REFERENCES - 1) :]]
    for value in (*given, *references):
        if not _MSG_ID.fullmatch(value):
            raise ValueError(f"not a Message-ID: {value!r:.80}")
    if (given or references) and {n.lower() for n in email.headers} & _THREAD_FIELDS:
        raise ValueError("In-Reply-To and References are set by the platform for a follow-up")
    fields = [f"In-Reply-To: {given[0]}\r\n"] if given else []
    if references:
        fields.append(mime_fast.literal("References", " ".join(references)))
    return fields


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _date(now: datetime) -> str:
    """RFC 5322 date as ``format_datetime`` writes it; UTC (the usual case) without its
    ``strftime`` call, a tenth of the header time."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    if now.utcoffset() != timedelta(0):
        return format_datetime(now)
    return (
        f"{_DAYS[now.weekday()]}, {now.day:02d} {_MONTHS[now.month - 1]} {now.year:04d} "
        f"{now.hour:02d}:{now.minute:02d}:{now.second:02d} +0000"
    )


def _head(
    email: OutgoingEmail, now: datetime, smtputf8: bool, mailboxes: dict[str, _Mailbox]
) -> str:
    """Every header field up to MIME-Version, in the order the stdlib build wrote them."""
    fields = [
        mime_fast.mailbox(name, box.display_name, box.local, box.domain, smtputf8)
        for name, box in mailboxes.items()
    ]
    fields += (
        mime_fast.field("Subject", check_value("subject", email.subject), smtputf8),
        f"Date: {_date(now)}\r\n",
        f"Message-ID: {_message_id(email)}\r\n",
    )
    fields += _thread(email)
    if email.bulk:
        fields.append(mime_fast.literal("List-Unsubscribe", _list_unsubscribe(email)))
        fields.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    fields += (mime_fast.field(name, value, smtputf8) for name, value in email.headers.items())
    fields.append("MIME-Version: 1.0\r\n")
    return "".join(fields)


def build(email: OutgoingEmail, now: datetime) -> tuple[bytes, str, bool]:
    """(RFC 5322 bytes with CRLF, envelope MAIL FROM, whether SMTPUTF8 is required).
    ValueError for an email that cannot be written (see ``headers``)."""
    envelope = verp_address(email.message_id, email.bounce_domain)
    check_custom_headers(email.headers)
    text, html = _bodies(email)
    mailboxes, smtputf8 = _mailboxes(email)
    try:
        head = _head(email, now, smtputf8, mailboxes)
    except mime_fast.TooLong as exc:  # only a literal field (List-Unsubscribe) can be
        raise ValueError(f"{exc} is over 998 characters") from exc
    # Header text is written as UTF-8; without SMTPUTF8 it is ASCII here.
    body = mime_fast.body(text, html, _boundary() if html is not None else "")
    return head.encode("utf-8") + body, envelope, smtputf8


def _boundary() -> str:
    # Our own boundary: "=_" cannot occur in quoted-printable text ("=" is sent as "=3D").
    return f"=_pm_{secrets.token_hex(12)}"


@lru_cache(maxsize=32)
def signer(domain: str, selector: str, private_key_pem: str) -> DkimSigner:
    """The signer for one key, kept so the PEM is parsed once per container, not per email."""
    return DkimSigner(idna(domain), selector, private_key_pem)


def sign(raw: bytes, domain: str, selector: str, private_key_pem: str) -> bytes:
    """``raw`` with a DKIM-Signature (RSA-SHA256, relaxed/relaxed) prepended."""
    return signer(domain, selector, private_key_pem).sign(raw)
