"""Building and DKIM-signing one outgoing email.

``build`` turns an ``OutgoingEmail`` into RFC 5322 bytes (CRLF line endings) with the stdlib
``email`` package, plus the VERP envelope sender and whether the message needs SMTPUTF8.
With ``tracking``, HTML links go through signed ``/t/c/`` tokens and an open pixel is added
(the derived text part keeps the real URLs); ``javascript:``, ``vbscript:`` and ``data:``
links are refused with or without tracking. ``sign`` prepends a DKIM-Signature (RSA-SHA256,
relaxed/relaxed) made by ``dkim_signer.DkimSigner``, one cached per key.

Bulk mail carries ``List-Unsubscribe`` (https and mailto), ``List-Unsubscribe-Post`` and a
footer with the postal address (see PRODUCT.md, "Sending rules").
"""

from __future__ import annotations

import binascii
import html as html_lib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
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
from email.utils import format_datetime
from functools import lru_cache, partial

from chalicelib.adapters.dkim_signer import DkimSigner
from chalicelib.domain import tracking_links, tracking_tokens

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


@dataclass(frozen=True)
class Tracking:
    """Open and click tracking for one message: tokens signed with ``keys`` until
    ``expires_at`` (Unix seconds), served under ``base_url`` (e.g. ``https://t.<domain>``)."""

    base_url: str
    tenant_id: str
    keys: tracking_tokens.TokenKeys
    expires_at: int
    opens: bool = True
    clicks: bool = True

    def token(
        self, message_id: str, kind: str, link_index: int | None = None, url: str | None = None
    ) -> str:
        claims = tracking_tokens.TokenClaims(
            kind, self.tenant_id, message_id, self.expires_at, link_index, url
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


class _Policy(EmailPolicy):
    """SMTP policy that writes simple ASCII headers as they are.

    The stdlib folder encodes a word longer than a line (e.g. a long unsubscribe URL), which
    would break it; RFC 5322 allows such a line up to 998 characters, so it is kept whole.
    A short printable ASCII value of a simple header type comes back from the stdlib folder
    unchanged, after a slow walk of its parse tree, so it is written directly.
    """

    def _verbatim(self, name: str, value: object) -> bool:
        text = str(value)
        if not text.isascii() or len(name) + len(text) + 2 > 998:
            return False
        limit = (self.max_line_length or 998) - len(name) - 2
        if 0 < len(text) <= limit and isinstance(value, _SIMPLE_HEADERS):
            return text.isprintable() and "=?" not in text and text.strip() == text
        return any(len(word) > limit for word in text.split())

    def fold(self, name: str, value: object) -> str:
        if self._verbatim(name, value):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: object) -> bytes:
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


# Markup as ``html.parser`` splits it, as compiled regexes (the stdlib parser took a fifth
# of ``build``): comments, declarations and processing instructions are dropped whole. The
# quantifiers are possessive, so markup that never closes fails in one linear pass.
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)|<![^>]*+>|<\?[^>]*+>"
    r"|<(/?)([a-zA-Z][^\t\n\r\f />\x00]*+)((?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)>",
    re.DOTALL,
)
_MARKUP_START = re.compile(r"<(?:/?[a-zA-Z]|[!?])")
_ATTRIBUTE = re.compile(
    r"""([^\t\n\r\f />=][^\t\n\r\f />=]*+)"""
    r"""(?:[\t\n\r\f ]*+=[\t\n\r\f ]*+("[^"]*+"|'[^']*+'|[^\t\n\r\f >]*+))?+"""
)
_SELF_CLOSING = re.compile(r"(?:\A|[\t\n\r\f \"'])/[\t\n\r\f ]*\Z")
_RAW_TEXT_END = {
    name: re.compile(rf"</[\t\n\r\f ]*{name}[\t\n\r\f ]*>", re.IGNORECASE)
    for name in ("script", "style")
}


def _attributes(source: str) -> list[tuple[str, str | None]]:
    """(lower-case name, value with entities decoded or None), like ``html.parser``."""
    found = []
    for attribute in _ATTRIBUTE.finditer(source):
        value = attribute.group(2)
        if value is not None:
            value = html_lib.unescape(value[1:-1] if value[:1] in ("'", '"') else value)
        found.append((attribute.group(1).lower(), value))
    return found


class _TextExtractor:
    """Collects the readable text of an HTML document; links become ``text (url)``."""

    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
    )
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._hidden = 0
        self._links: list[tuple[str | None, int]] = []

    def feed(self, html: str) -> None:
        at = 0
        while (found := _MARKUP_START.search(html, at)) is not None:
            self.handle_data(html[at : found.start()])
            markup = _MARKUP.match(html, found.start())
            if markup is None:  # never closes: the rest is text, as html.parser leaves it
                at = found.start()
                break
            at = markup.end()
            if markup.group(2) is not None:
                at = self._tag(html, at, *markup.groups())
        self.handle_data(html[at:])

    def _tag(self, html: str, at: int, slash: str, name: str, attributes: str) -> int:
        """Handles one tag ending at ``at``; where to go on (past script or style text)."""
        name = name.lower()
        if slash:
            self.handle_endtag(name)
            return at
        self.handle_starttag(name, _attributes(attributes) if name == "a" else [])
        if _SELF_CLOSING.search(attributes):
            self.handle_endtag(name)
        elif name in _RAW_TEXT_END:  # hidden: skip to its end tag, read next
            end = _RAW_TEXT_END[name].search(html, at)
            return len(html) if end is None else end.start()
        return at

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
        if data and not self._hidden:
            self.parts.append(html_lib.unescape(data) if "&" in data else data)


def html_to_text(html: str) -> str:
    """Plain text from HTML: tags stripped, links kept as ``text (url)``, whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(html)
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


# The local platform serves its tracking and unsubscribe routes over plain http on loopback;
# nothing else may use http (RFC 8058 one-click needs https on the internet).
_LOOPBACK = ("http://127.0.0.1:", "http://localhost:")


def _list_unsubscribe(email: OutgoingEmail) -> str:
    url = _no_crlf("unsubscribe_url", email.unsubscribe_url or "")
    if not url.startswith(("https://", *_LOOPBACK)) or re.search(r"[\s<>]", url):
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
    # Our own boundary: the stdlib's is checked against the bodies with a regex compiled per
    # message. "=_" cannot occur in quoted-printable text ("=" is sent as "=3D").
    msg["Content-Type"] = f'multipart/alternative; boundary="=_pm_{secrets.token_hex(12)}"'
    for subtype, body in (("plain", text), ("html", html)):
        part = EmailMessage(policy=msg.policy)
        _fill(part, subtype, body)
        msg.attach(part)


@lru_cache(maxsize=32)
def signer(domain: str, selector: str, private_key_pem: str) -> DkimSigner:
    """The signer for one key, kept so the PEM is parsed once per container, not per email."""
    return DkimSigner(_idna(domain), selector, private_key_pem)


def sign(raw: bytes, domain: str, selector: str, private_key_pem: str) -> bytes:
    """``raw`` with a DKIM-Signature (RSA-SHA256, relaxed/relaxed) prepended."""
    return signer(domain, selector, private_key_pem).sign(raw)
