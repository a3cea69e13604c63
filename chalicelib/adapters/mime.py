"""Building and DKIM-signing one outgoing email.

``build`` turns an ``OutgoingEmail`` into RFC 5322 bytes (CRLF line endings), plus the VERP
envelope sender and whether the message needs SMTPUTF8. It checks the values and writes the
fields and MIME parts through ``mime_fast`` (the ``email`` object model was most of the
cost); ``_build_reference``, the same message through ``EmailMessage``, takes the values the
stdlib treats in ways of its own and is what the equivalence tests compare ``build`` with.
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
from datetime import UTC, datetime, timedelta
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

from chalicelib.adapters import mime_fast
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
# quantifiers are possessive, so markup that never closes fails in one linear pass. One
# ``_STEP`` match reads the text up to the next markup, then that markup if it closes (a
# regex call per tag, and Python work per tag, are most of the cost of ``html_to_text``).
_STEP = re.compile(
    r"([^<]*+(?:<(?!/?[a-zA-Z]|[!?])[^<]*+)*+)"
    r"(<(/?)([a-zA-Z][^\t\n\r\f />\x00]*+)([^>\"']*+(?:(?:\"[^\"]*+\"|'[^']*+')[^>\"']*+)*+)>"
    r"|<!--.*?(?:-->|\Z)|<![^>]*+>|<\?[^>]*+>)?+",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(
    r"""([^\t\n\r\f />=][^\t\n\r\f />=]*+)"""
    r"""(?:[\t\n\r\f ]*+=[\t\n\r\f ]*+("[^"]*+"|'[^']*+'|[^\t\n\r\f >]*+))?+"""
)
_SPACE = "\t\n\r\f "
_RAW_TEXT_END = {
    name: re.compile(rf"</[\t\n\r\f ]*{name}[\t\n\r\f ]*>", re.IGNORECASE)
    for name in ("script", "style")
}
# What a tag does to the text; other tags do nothing.
_HIDDEN, _BLOCK, _LINK = range(3)
_TAG_KINDS = {
    **dict.fromkeys(("script", "style", "head", "title"), _HIDDEN),
    **dict.fromkeys(
        ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"),
        _BLOCK,
    ),
    "a": _LINK,
}


def _href(attributes: str) -> str | None:
    """The value of the last ``href`` (the one ``html.parser`` keeps in a dict), entities
    decoded; "" or None when it has none."""
    if attributes[:7] == ' href="' and attributes[-1:] == '"' and attributes.count('"') == 2:
        value = attributes[7:-1]  # the only attribute, as tracked links have it
        return html_lib.unescape(value) if "&" in value else value
    for name, value in reversed(_ATTRIBUTE.findall(attributes)):
        if name.lower() == "href":
            value = value[1:-1] if value[:1] in ("'", '"') else value
            return html_lib.unescape(value) if "&" in value else value
    return None


def _self_closing(attributes: str) -> bool:
    """Whether a start tag ends with ``/>`` that is not the end of an unquoted value."""
    rest = attributes.rstrip(_SPACE)
    # A string test, not a regex: a regex search tried every "/" of a long href.
    return rest[-1:] == "/" and (len(rest) == 1 or rest[-2] in _SPACE + "\"'")


class _TextExtractor:
    """Collects the readable text of an HTML document; links become ``text (url)``.

    Block tags add a line break (hidden or not), text inside script, style, head and title
    is dropped, and a link whose text is not its URL gets `` (url)`` after its text.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._hidden = 0
        self._links: list[tuple[str | None, int]] = []

    def feed(self, html: str) -> None:
        at: int | None = 0
        while at is not None:
            at = self._read(html, at)

    def _read(self, html: str, at: int) -> int | None:
        """Reads from ``at`` to the end (None), or up to script or style text to skip (where
        to go on). Steps of one ``finditer`` are contiguous: ``_STEP`` matches anywhere.
        The loop runs once per tag, so the common cases are inline."""
        append = self.parts.append
        for step in _STEP.finditer(html, at):
            data, markup, slash, name, attributes = step.groups()
            if data and not self._hidden:
                append(html_lib.unescape(data) if "&" in data else data)
            if markup is None:  # the end, or markup that never closes: text, as html.parser
                rest = html[step.end() :]
                if rest and not self._hidden:
                    append(html_lib.unescape(rest) if "&" in rest else rest)
                return None
            kind = None if name is None else _TAG_KINDS.get(name.lower())
            if kind == _BLOCK:
                append("\n")
                if not slash and "/" in attributes and _self_closing(attributes):
                    append("\n")
            elif kind == _LINK:
                self._link(slash, attributes)
            elif kind == _HIDDEN:
                skip_to = self._hidden_tag(html, step.end(), slash, name.lower(), attributes)
                if skip_to is not None:
                    return skip_to
        return None

    def _hidden_tag(self, html: str, at: int, slash: str, name: str, attributes: str) -> int | None:
        """Counts hidden elements open; where script or style text ends, to skip it."""
        if slash:
            self._hidden = max(0, self._hidden - 1)
            return None
        if _self_closing(attributes):  # opened and closed at once
            return None
        self._hidden += 1
        if name not in _RAW_TEXT_END:
            return None
        end = _RAW_TEXT_END[name].search(html, at)
        return len(html) if end is None else end.start()

    def _link(self, slash: str, attributes: str) -> None:
        """Opens a link, or closes the last one: `` (url)`` unless its text is the URL."""
        if not slash:
            self._links.append((_href(attributes), len(self.parts)))
            if _self_closing(attributes):
                self._link("/", "")
        elif self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and not href.startswith(("#", "javascript:")) and href != label:
                self.parts.append(f" ({href})")


def _collapsed(text: str) -> str:
    """``text`` with whitespace runs in a line as one space, no whitespace at the ends of a
    line or of the text, and at most one empty line in a row."""
    lines: list[str] = []
    blank = True  # no empty line at the start, nor after an empty line
    for line in text.splitlines():
        if not _tidy(line):
            line = " ".join(line.split())
        if line or not blank:
            lines.append(line)
            blank = not line
    if lines and blank:
        lines.pop()
    return "\n".join(lines)


def _tidy(line: str) -> bool:
    """Whether an ASCII line is already as ``" ".join(line.split())`` makes it (checked in
    C, cheaper than splitting a paragraph into words). Within a line from ``splitlines``,
    the only ASCII whitespace ``split`` knows besides the space are TAB and US (0x1f)."""
    return (
        line.isascii()
        and line[:1] != " "
        and line[-1:] != " "
        and "  " not in line
        and "\t" not in line
        and "\x1f" not in line
    )


def html_to_text(html: str) -> str:
    """Plain text from HTML: tags stripped, links kept as ``text (url)``, whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(html)
    return _collapsed("".join(parser.parts)) + "\n"


def _no_crlf(name: str, value: str) -> str:
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(f"{name} must not contain CR, LF or NUL")
    return value


def _idna(domain: str) -> str:
    try:
        return domain.strip().rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"invalid domain: {domain!r}") from exc


def _address(field: str, value: str) -> tuple[str, str]:
    """(local part, punycode domain) of a bare address."""
    local, at, domain = _no_crlf(field, value.strip()).rpartition("@")
    if not at or not local or not domain or _ADDRESS_FORBIDDEN.search(local + domain):
        raise ValueError(f"{field} is not a valid email address: {value!r}")
    return local, _idna(domain)


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
_NOT_IN_ANGLE_BRACKETS = re.compile(r"[\s<>]")


def _list_unsubscribe(email: OutgoingEmail) -> str:
    url = _no_crlf("unsubscribe_url", email.unsubscribe_url or "")
    if not url.startswith(("https://", *_LOOPBACK)) or _NOT_IN_ANGLE_BRACKETS.search(url):
        raise ValueError("bulk mail needs an https unsubscribe_url")
    parts = [f"<{url}>"]
    if email.unsubscribe_mailto:
        mailto = _no_crlf("unsubscribe_mailto", email.unsubscribe_mailto)
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
    name = _no_crlf("from_name", email.from_name)
    mailboxes = {"From": _Mailbox(name, *sender), "To": _Mailbox("", *_address("to", email.to))}
    if email.reply_to:
        mailboxes["Reply-To"] = _Mailbox("", *_address("reply_to", email.reply_to))
    return mailboxes, not all(box.local.isascii() for box in mailboxes.values())


def _message_id(email: OutgoingEmail) -> str:
    return f"<{email.message_id}.{secrets.token_hex(8)}@{_idna(email.sending_domain)}>"


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


# Values the stdlib treats in ways of its own, left to it (``_build_reference``): control
# characters and the other characters ``str.splitlines`` breaks at (refused there, some
# silently dropped), and "=?", which it decodes as an encoded word before writing.
_STDLIB_ONLY_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]|=\?")
# Custom fields the stdlib parses as addresses or dates rather than text.
_STDLIB_ONLY_NAMES = frozenset(
    name
    for name, kind in HeaderRegistry().registry.items()
    if not issubclass(kind, UnstructuredHeader)
)


def _stdlib_only(email: OutgoingEmail) -> bool:
    """Whether the message has a field value or name that only the stdlib path writes as
    before: rare in practice, so it keeps that path's behaviour rather than copying it."""
    if any(name.lower() in _STDLIB_ONLY_NAMES for name in email.headers):
        return True
    values = (email.subject, email.from_name, email.from_address, email.to, email.reply_to or "")
    return _STDLIB_ONLY_TEXT.search(" ".join((*values, *email.headers.values()))) is not None


def _head(
    email: OutgoingEmail, now: datetime, smtputf8: bool, mailboxes: dict[str, _Mailbox]
) -> str:
    """Every header field up to MIME-Version, in the order the stdlib path writes them."""
    fields = [
        mime_fast.mailbox(name, box.display_name, box.local, box.domain, smtputf8)
        for name, box in mailboxes.items()
    ]
    fields += (
        mime_fast.field("Subject", _no_crlf("subject", email.subject), smtputf8),
        f"Date: {_date(now)}\r\n",
        f"Message-ID: {_message_id(email)}\r\n",
    )
    if email.bulk:
        fields.append(mime_fast.field("List-Unsubscribe", _list_unsubscribe(email), smtputf8))
        fields.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    fields += (mime_fast.field(name, value, smtputf8) for name, value in email.headers.items())
    fields.append("MIME-Version: 1.0\r\n")
    return "".join(fields)


def build(email: OutgoingEmail, now: datetime) -> tuple[bytes, str, bool]:
    """(RFC 5322 bytes with CRLF, envelope MAIL FROM, whether SMTPUTF8 is required).

    Written directly (``mime_fast``); the stdlib ``email`` path, ``_build_reference``, takes
    the messages that path handles in ways of its own (see ``_stdlib_only``).
    """
    envelope = verp_address(email.message_id, email.bounce_domain)
    _check_custom_headers(email.headers)
    if _stdlib_only(email):
        return _build_reference(email, now)
    text, html = _bodies(email)
    mailboxes, smtputf8 = _mailboxes(email)
    try:
        head = _head(email, now, smtputf8, mailboxes)
    except mime_fast.TooLong:  # a word near 998 characters: the stdlib encodes it
        return _build_reference(email, now)
    # The stdlib path writes header text as UTF-8 too; without SMTPUTF8 it is ASCII here.
    body = mime_fast.body(text, html, _boundary() if html is not None else "")
    return head.encode("utf-8") + body, envelope, smtputf8


def _boundary() -> str:
    # Our own boundary: "=_" cannot occur in quoted-printable text ("=" is sent as "=3D").
    return f"=_pm_{secrets.token_hex(12)}"


# --- the stdlib path: EmailMessage with the policy above ---------------------------------


def _build_reference(email: OutgoingEmail, now: datetime) -> tuple[bytes, str, bool]:
    """``build`` through ``EmailMessage``: the behaviour ``build`` keeps, used for the
    messages it leaves to the stdlib and by the equivalence tests."""
    envelope = verp_address(email.message_id, email.bounce_domain)
    _check_custom_headers(email.headers)
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


@lru_cache(maxsize=32)
def signer(domain: str, selector: str, private_key_pem: str) -> DkimSigner:
    """The signer for one key, kept so the PEM is parsed once per container, not per email."""
    return DkimSigner(_idna(domain), selector, private_key_pem)


def sign(raw: bytes, domain: str, selector: str, private_key_pem: str) -> bytes:
    """``raw`` with a DKIM-Signature (RSA-SHA256, relaxed/relaxed) prepended."""
    return signer(domain, selector, private_key_pem).sign(raw)
