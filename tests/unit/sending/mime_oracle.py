"""The stdlib ``email`` build that ``sending.mime.build`` replaced, kept only as a test oracle:
the same message through ``EmailMessage`` with an SMTP policy that writes simple ASCII
headers as they are. ``test_mime_equivalence`` builds generated messages both ways and
compares what a mail reader gets from each."""

from __future__ import annotations

import binascii
from datetime import datetime
from email.headerregistry import (
    Address,
    ContentTransferEncodingHeader,
    ContentTypeHeader,
    DateHeader,
    HeaderRegistry,
    MessageIDHeader,
    MIMEVersionHeader,
    UnstructuredHeader,
)
from email.message import EmailMessage
from email.policy import EmailPolicy
from typing import Any

from chalicelib.mail.addresses import verp_address
from chalicelib.sending.mime.build import (
    OutgoingEmail,
    _bodies,
    _boundary,
    _date,
    _list_unsubscribe,
    _mailboxes,
    _message_id,
)
from chalicelib.sending.mime.headers import check_custom_headers


def _no_crlf(name: str, value: str) -> str:
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(f"{name} must not contain CR, LF or NUL")
    return value


# Header types whose short ASCII values the stdlib folds back to exactly ``str(value)``.
# Content-* headers are always ours (custom ones are refused); address headers are left
# out, as a custom Cc with a comment would not be written back the same.
_SIMPLE_HEADERS = (
    UnstructuredHeader,
    DateHeader,
    MessageIDHeader,
    MIMEVersionHeader,
    ContentTypeHeader,
    ContentTransferEncodingHeader,
)


class _Policy(EmailPolicy):
    """SMTP policy that writes simple ASCII headers as they are.

    The stdlib folder encodes a word longer than a line (e.g. a long unsubscribe URL), which
    would break it; RFC 5322 allows such a line up to 998 characters, so it is kept whole.
    A short printable ASCII value of a simple header type comes back from the stdlib folder
    unchanged, after a slow walk of its parse tree, so it is written directly.
    """

    def _verbatim(self, name: str, value: Any) -> bool:
        text = str(value)
        if not text.isascii() or len(name) + len(text) + 2 > 998:
            return False
        limit = (self.max_line_length or 998) - len(name) - 2
        if 0 < len(text) <= limit and isinstance(value, _SIMPLE_HEADERS):
            return text.isprintable() and "=?" not in text and text.strip() == text
        return any(len(word) > limit for word in text.split())

    def fold(self, name: str, value: Any) -> str:
        if self._verbatim(name, value):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if self._verbatim(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


class _HeaderClasses(HeaderRegistry):
    """The stdlib registry builds a new header class with ``type()`` on every lookup, twice
    per header set (a large share of ``build``); the classes are stateless, so keep them."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(key)
        return found


_SMTP = _Policy(linesep="\r\n", header_factory=_HeaderClasses())
_SMTPUTF8 = _SMTP.clone(utf8=True)


def _constant(name: str, value: str) -> object:
    """A header parsed once: the policy stores a header object as it is, so fixed headers
    cost nothing per message (header objects are immutable and shared by both policies)."""
    return _SMTP.header_factory(name, value)


_MIME_VERSION = _constant("MIME-Version", "1.0")
_ONE_CLICK = _constant("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
_QUOTED_PRINTABLE = _constant("Content-Transfer-Encoding", "quoted-printable")
_TEXT_TYPES = {
    subtype: _constant("Content-Type", f'text/{subtype}; charset="utf-8"')
    for subtype in ("plain", "html")
}


def build_reference(email: OutgoingEmail, now: datetime) -> tuple[bytes, str, bool]:
    """``build`` through ``EmailMessage``: the stdlib build ``build`` replaced, kept as the
    oracle of the equivalence tests."""
    envelope = verp_address(email.message_id, email.bounce_domain)
    check_custom_headers(email.headers)
    text, html = _bodies(email)
    mailboxes, smtputf8 = _mailboxes(email)
    msg = EmailMessage(policy=_SMTPUTF8 if smtputf8 else _SMTP)
    for name, box in mailboxes.items():
        msg[name] = Address(box.display_name, box.local, box.domain)
    msg["Subject"] = _no_crlf("subject", email.subject)
    msg["Date"] = _date(now)
    msg["Message-ID"] = _message_id(email)
    if email.bulk:
        msg["List-Unsubscribe"] = _list_unsubscribe(email)
        msg["List-Unsubscribe-Post"] = _ONE_CLICK
    for name, value in email.headers.items():
        msg[name] = value
    _set_bodies(msg, text, html)
    return msg.as_bytes(), envelope, smtputf8


def _quoted_printable(text: str) -> str:
    """UTF-8 quoted-printable with LF line ends (the generator writes CRLF); binascii does
    it in C and keeps lines within RFC 2045's 76 characters."""
    lines = text.encode("utf-8").splitlines()
    return binascii.b2a_qp(b"\n".join(lines) + b"\n", istext=True).decode("ascii")


def _fill(part: EmailMessage, subtype: str, body: str) -> None:
    part["Content-Type"] = _TEXT_TYPES[subtype]
    part["Content-Transfer-Encoding"] = _QUOTED_PRINTABLE
    part.set_payload(_quoted_printable(body))


def _set_bodies(msg: EmailMessage, text: str, html: str | None) -> None:
    """text/plain alone, or multipart/alternative of text/plain and text/html."""
    msg["MIME-Version"] = _MIME_VERSION
    if html is None:
        _fill(msg, "plain", text)
        return
    msg["Content-Type"] = f'multipart/alternative; boundary="{_boundary()}"'
    for subtype, body in (("plain", text), ("html", html)):
        part = EmailMessage(policy=msg.policy)
        _fill(part, subtype, body)
        msg.attach(part)
