"""Building and DKIM-signing one outgoing email.

``build`` turns an ``OutgoingEmail`` into RFC 5322 bytes (CRLF line endings) with the stdlib
``email`` package, plus the VERP envelope sender and whether the message needs SMTPUTF8.
``sign`` prepends a DKIM-Signature (RSA-SHA256, relaxed/relaxed) made with dkimpy.

Bulk mail carries ``List-Unsubscribe`` (https and mailto), ``List-Unsubscribe-Post`` and a
footer with the postal address (see PRODUCT.md, "Sending rules").
"""

from __future__ import annotations

import html as html_lib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from html.parser import HTMLParser

import dkim

_MESSAGE_ID = re.compile(r"[a-z0-9_]{1,60}")
_HEADER_NAME = re.compile(r"[!-9;-~]+")
_ADDRESS_FORBIDDEN = re.compile(r"[\s<>()\[\],;:\"\\]")
_VERP_PREFIX = "b+"
_RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "return-path",
        "reply-to",
        "dkim-signature",
        "mime-version",
    }
)
_RESERVED_PREFIXES = ("list-unsubscribe", "content-")
_SIGNED_HEADERS = (
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "mime-version",
    "content-type",
)
_SIGN_IF_PRESENT = frozenset({"reply-to", "list-unsubscribe-post"})


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


class _Policy(EmailPolicy):
    """SMTP policy that never RFC 2047-encodes an ASCII header holding an unbreakable word.

    The stdlib folder encodes a word longer than a line (e.g. a long unsubscribe URL), which
    would break it; RFC 5322 allows such a line up to 998 characters, so it is kept whole.
    """

    def _keep_whole(self, name: str, value: object) -> bool:
        text = str(value)
        if not text.isascii() or len(name) + len(text) + 2 > 998:
            return False
        limit = (self.max_line_length or 998) - len(name) - 2
        return any(len(word) > limit for word in text.split())

    def fold(self, name: str, value: object) -> str:
        if self._keep_whole(name, value):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: object) -> bytes:
        if self._keep_whole(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_SMTP = _Policy(linesep="\r\n")
_SMTPUTF8 = _SMTP.clone(utf8=True)


class _TextExtractor(HTMLParser):
    """Collects the readable text of an HTML document; links become ``text (url)``."""

    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
    )
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and not href.startswith(("#", "javascript:")) and href != label:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text from HTML: tags stripped, links kept as ``text (url)``, whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip() + "\n"


def _no_crlf(name: str, value: str) -> str:
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(f"{name} must not contain CR, LF or NUL")
    return value


def _idna(domain: str) -> str:
    try:
        return domain.strip().rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"invalid domain: {domain!r}") from exc


def _address(field: str, value: str) -> tuple[Address, bool]:
    """(Address with a punycode domain, whether the local part needs SMTPUTF8)."""
    local, at, domain = _no_crlf(field, value.strip()).rpartition("@")
    if not at or not local or not domain or _ADDRESS_FORBIDDEN.search(local + domain):
        raise ValueError(f"{field} is not a valid email address: {value!r}")
    return Address(username=local, domain=_idna(domain)), not local.isascii()


def verp_address(message_id: str, bounce_domain: str) -> str:
    """The envelope sender ``b+{message_id}@{bounce_domain}`` bounces come back to."""
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError("message_id may only contain [a-z0-9_] (1-60 characters)")
    return f"{_VERP_PREFIX}{message_id}@{_idna(bounce_domain)}"


def parse_verp(address: str) -> str | None:
    """The message id from a VERP address (``<b+id@domain>`` too), or None if it is not one."""
    local, at, _domain = address.strip().strip("<>").rpartition("@")
    local = local.lower()
    if not at or not local.startswith(_VERP_PREFIX):
        return None
    message_id = local[len(_VERP_PREFIX) :]
    return message_id if _MESSAGE_ID.fullmatch(message_id) else None


def _check_custom_headers(headers: dict[str, str]) -> None:
    seen: set[str] = set()
    for name, value in headers.items():
        lower = name.lower()
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"invalid header name: {name!r}")
        if lower in _RESERVED_HEADERS or lower.startswith(_RESERVED_PREFIXES):
            raise ValueError(f"header {name} cannot be overridden")
        if lower in seen:
            raise ValueError(f"duplicate header: {name}")
        seen.add(lower)
        _no_crlf(name, value)


def _list_unsubscribe(email: OutgoingEmail) -> str:
    url = _no_crlf("unsubscribe_url", email.unsubscribe_url or "")
    if not url.startswith("https://") or re.search(r"[\s<>]", url):
        raise ValueError("bulk mail needs an https unsubscribe_url")
    parts = [f"<{url}>"]
    if email.unsubscribe_mailto:
        mailto = _no_crlf("unsubscribe_mailto", email.unsubscribe_mailto)
        mailto = mailto if mailto.startswith("mailto:") else f"mailto:{mailto}"
        if re.search(r"[\s<>]", mailto):
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


def _bodies(email: OutgoingEmail) -> tuple[str, str | None]:
    """(text, html or None), with the bulk footer when needed."""
    if email.html is None and email.text is None:
        raise ValueError("an email needs html or text")
    text = email.text if email.text is not None else html_to_text(email.html or "")
    html = email.html
    if email.bulk:
        text_footer, html_footer = _footers(email)
        text = text.rstrip("\n") + "\n" + text_footer
        html = None if html is None else _append_html(html, html_footer)
    return text, html


def _addresses(email: OutgoingEmail) -> tuple[dict[str, Address], bool]:
    """From, To and Reply-To headers, and whether any local part needs SMTPUTF8."""
    sender, utf8_from = _address("from_address", email.from_address)
    recipient, utf8_to = _address("to", email.to)
    name = _no_crlf("from_name", email.from_name)
    headers = {"From": Address(name, sender.username, sender.domain), "To": recipient}
    utf8_reply = False
    if email.reply_to:
        headers["Reply-To"], utf8_reply = _address("reply_to", email.reply_to)
    return headers, utf8_from or utf8_to or utf8_reply


def build(email: OutgoingEmail, now: datetime) -> tuple[bytes, str, bool]:
    """(RFC 5322 bytes with CRLF, envelope MAIL FROM, whether SMTPUTF8 is required)."""
    envelope = verp_address(email.message_id, email.bounce_domain)
    _check_custom_headers(email.headers)
    text, html = _bodies(email)
    addresses, smtputf8 = _addresses(email)
    msg = EmailMessage(policy=_SMTPUTF8 if smtputf8 else _SMTP)
    for name, address in addresses.items():
        msg[name] = address
    msg["Subject"] = _no_crlf("subject", email.subject)
    msg["Date"] = format_datetime(now if now.tzinfo else now.replace(tzinfo=UTC))
    token = secrets.token_hex(8)
    msg["Message-ID"] = f"<{email.message_id}.{token}@{_idna(email.sending_domain)}>"
    if email.bulk:
        msg["List-Unsubscribe"] = _list_unsubscribe(email)
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in email.headers.items():
        msg[name] = value
    msg.set_content(text, subtype="plain", cte="quoted-printable")
    if html is not None:
        msg.add_alternative(html, subtype="html", cte="quoted-printable")
        for part in msg.iter_parts():
            del part["MIME-Version"]
    return msg.as_bytes(), envelope, smtputf8


def _header_names(raw: bytes) -> set[str]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    lines = (line for line in head.split(b"\r\n") if line and line[:1] not in b" \t")
    return {line.split(b":", 1)[0].strip().decode("ascii").lower() for line in lines}


def sign(raw: bytes, domain: str, selector: str, private_key_pem: str) -> bytes:
    """``raw`` with a DKIM-Signature (RSA-SHA256, relaxed/relaxed) prepended."""
    present = _header_names(raw)
    include = [
        name.encode("ascii")
        for name in _SIGNED_HEADERS
        if name not in _SIGN_IF_PRESENT or name in present
    ]
    signature = dkim.sign(
        raw,
        selector.encode("ascii"),
        _idna(domain).encode("ascii"),
        private_key_pem.encode("ascii"),
        include_headers=include,
        canonicalize=(b"relaxed", b"relaxed"),
    )
    return signature + raw
