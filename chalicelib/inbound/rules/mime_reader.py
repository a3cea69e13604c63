"""Reading untrusted inbound MIME safely, for ``inbound`` and ``bounce_formats``.

Owns the bounded parse (MIME part count capped before the stdlib parser sees the bytes), header
decoding (RFC 2047 encoded words with any charset, undeclared 8-bit bytes), the part walk (depth
and count bounded; parts inside an attached message are marked), payload to text (transfer
encoding, charset, HTML to text through ``mail.text``) and the header blocks embedded in
reports.
Nothing here raises for any input; every scan is bounded.
"""

from __future__ import annotations

import binascii
import email
import email.parser
import email.policy
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import parseaddr
from itertools import islice

from chalicelib.mail.text import html_to_text

TEXT_LIMIT = 64 * 1024  # characters of one part's text looked at
HEADER_LIMIT = 4000  # characters of one header value decoded as text
RAW_HEADER_LIMIT = 16_000  # characters of one header value kept (long References chains)
MAX_HEADERS = 500  # header fields of one block kept
MAX_PARTS = 200
MAX_DEPTH = 12
MAX_BOUNDARY_LINES = 1000  # lines starting with "--" before the rest of the bytes is dropped
_POLICY = email.policy.compat32  # the tolerant policy: never raises on header access

_WORD = re.compile(r"=\?([^?\s*]{1,40})(?:\*[^?\s]{0,20})?\?([bBqQ])\?([^?\s]{0,1500})\?=")
_CHARSET = re.compile(r"[a-z0-9_.:-]{1,40}")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_ADDRESS = re.compile(r"[\w.%+='\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}")
_DROPPED_BLOCKS = (("<!--", "-->"), ("<script", "</script"), ("<style", "</style"))
_HTML_QUOTE_MARKERS = (
    "<blockquote",
    'class="gmail_quote',
    'id="divrplyfwdmsg"',
    'id="appendonsend"',
    'class="moz-cite-prefix"',
    'class="yahoo_quoted"',
)
# Types whose parsed payload is a list of field blocks, not a message to walk into.
FIELD_TYPES = frozenset(
    {"message/delivery-status", "message/global-delivery-status", "message/feedback-report"}
)
EMBEDDED_TYPES = frozenset(
    {"message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers"}
)


# --- parsing ----------------------------------------------------------------------------------


def parse(raw: bytes) -> Message:
    """The message tree of ``raw``; headers only if the MIME structure defeats the parser."""
    raw = _cap_parts(raw)
    try:
        return email.message_from_bytes(raw, policy=_POLICY)
    except Exception:  # noqa: BLE001 - e.g. RecursionError on absurd nesting: keep the headers
        return email.parser.BytesParser(policy=_POLICY).parsebytes(raw, headersonly=True)


def _cap_parts(raw: bytes) -> bytes:
    """Drop everything after the Nth boundary-like line: parse time grows with part count."""
    at = 0
    for _ in range(MAX_BOUNDARY_LINES):
        at = raw.find(b"\n--", at) + 1
        if at == 0:
            return raw
    return raw[:at]


# --- headers ----------------------------------------------------------------------------------


class Headers:
    """One header block by lower-case name: raw (unfolded, bounded) values and decoded text."""

    __slots__ = ("_fields",)

    def __init__(self, message: Message | None = None) -> None:
        self._fields: dict[str, list[str]] = {}
        if message is None:
            return
        for name, value in islice(message.raw_items(), MAX_HEADERS):
            unfolded = str(value)[:RAW_HEADER_LIMIT].replace("\r", "").replace("\n", "")
            self._fields.setdefault(str(name).strip().lower(), []).append(unfolded)

    def __bool__(self) -> bool:
        return bool(self._fields)

    def __contains__(self, name: str) -> bool:
        return name in self._fields

    def raw(self, name: str) -> str:
        values = self._fields.get(name)
        return values[0] if values else ""

    def raw_all(self, name: str) -> list[str]:
        return self._fields.get(name, [])[:20]

    def text(self, name: str) -> str:
        """The value with RFC 2047 words decoded and whitespace collapsed."""
        return decode_header(self.raw(name))

    def clean(self, name: str) -> str:
        """The value as it came, undeclared 8-bit bytes read as text, whitespace collapsed."""
        return " ".join(to_text(self.raw(name).encode("utf-8", "surrogateescape"), None).split())


def decode_header(value: str) -> str:
    """RFC 2047 words decoded (bad charsets tolerated), raw 8-bit read as UTF-8 or cp1252."""
    value = value[:HEADER_LIMIT]
    out: list[str] = []
    at, after_word = 0, False
    for match in _WORD.finditer(value):
        gap = value[at : match.start()]
        if not (after_word and gap.isspace()):  # whitespace between two words is dropped
            out.append(to_text(gap.encode("utf-8", "surrogateescape"), None))
        out.append(_decode_word(match))
        at, after_word = match.end(), True
    out.append(to_text(value[at:].encode("utf-8", "surrogateescape"), None))
    return " ".join("".join(out).split())


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, text = match.groups()
    data = text.encode("utf-8", "surrogateescape")
    try:
        if encoding in "bB":
            decoded = _base64(data)
        else:
            decoded = binascii.a2b_qp(data, header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return to_text(decoded, charset)


def to_text(data: bytes, charset: str | None) -> str:
    """``data`` in its declared charset if usable, else UTF-8, else cp1252; never raises."""
    name = (charset or "").strip().strip('"').lower()
    if name in ("us-ascii", "ascii") and not data.isascii():
        name = ""  # undeclared 8-bit text behind an ASCII label: guess instead
    if name and _CHARSET.fullmatch(name):
        try:
            return data.decode(name, errors="replace")
        except (LookupError, UnicodeError, ValueError, TypeError):
            pass  # unknown or non-text codec: guess below
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def first_address(value: str) -> str:
    """The address of a From-like header value (not one in its display name), or ``""``."""
    try:
        _name, address = parseaddr(value[:1000])
    except Exception:  # noqa: BLE001 - the stdlib parser on hostile input: use the pattern
        address = ""
    found = addresses(address, limit=1) or addresses(decode_header(value[:1000]), limit=1)
    return found[0] if found else ""


def addresses(text: str, limit: int = 20) -> list[str]:
    """E-mail addresses in ``text``, lower-cased, in order, without duplicates."""
    found: list[str] = []
    for match in _ADDRESS.finditer(text):
        address = match.group(0).strip(".-").lower()
        domain_end = address.rpartition(".")[2]
        if "@" in address and not domain_end.isdigit() and address not in found:
            found.append(address)
            if len(found) >= limit:
                break
    return found


# --- parts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    message: Message
    content_type: str
    attached: bool  # inside an attached message (a returned original), not the report itself


def walk(message: Message) -> list[Part]:
    """Parts in document order, at most MAX_PARTS, no deeper than MAX_DEPTH."""
    found: list[Part] = []
    stack: list[tuple[Message, bool, int]] = [(message, False, 0)]
    while stack and len(found) < MAX_PARTS:
        part, attached, depth = stack.pop()
        ctype = content_type(part)
        found.append(Part(part, ctype, attached))
        payload = _children(part)
        if not payload or depth >= MAX_DEPTH or ctype in FIELD_TYPES:
            continue
        inner = attached or ctype.startswith("message/")
        stack.extend((child, inner, depth + 1) for child in reversed(payload))
    return found


def _children(part: Message) -> list[Message]:
    """Sub-messages of a container; a leaf's payload is never fetched here (``get_payload``
    decodes 8-bit text with the declared charset, which can raise)."""
    if not part.is_multipart():
        return []
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    return [p for p in payload[:MAX_PARTS] if isinstance(p, Message)]


def content_type(part: Message) -> str:
    try:
        ctype = part.get_content_type()
    except Exception:  # noqa: BLE001 - a mangled Content-Type reads as the RFC default
        return "text/plain"
    return ctype if ctype.isascii() else "application/octet-stream"


def param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:  # noqa: BLE001 - mangled parameters count as absent
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text)
        value = value[2]
    return str(value or "")[:200].strip().lower()


def is_attachment(part: Message) -> bool:
    return str(part.get("Content-Disposition", "")).strip().lower().startswith("attachment")


def part_text(part: Message, limit: int = TEXT_LIMIT) -> str:
    """The decoded text of a leaf part, at most ``limit`` characters; ``""`` for containers."""
    try:  # decode=True: the raw bytes, never the stdlib's charset guess (it can raise)
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a payload the stdlib cannot decode reads as empty
        return ""
    if not isinstance(data, bytes):
        return ""
    return to_text(data[: limit * 4], param(part, "charset"))[:limit]


def _base64(data: bytes) -> bytes:
    """Lenient base64 for encoded words: stray characters skipped, missing padding added."""
    body = _NOT_BASE64.sub(b"", data.split(b"=", 1)[0])
    body = body[: len(body) - 1] if len(body) % 4 == 1 else body
    return binascii.a2b_base64(body + b"=" * (-len(body) % 4))


def html_text(markup: str, stop_at_quote: bool = False) -> str:
    """The readable text of an HTML part (``mail.text``, links without their URLs), bounded;
    optionally cut where a mail client's quote starts."""
    markup = markup[: TEXT_LIMIT * 2]
    if stop_at_quote:
        markup = _drop_blocks(markup)  # a quote marker inside a comment or style is no quote
        markup = markup[: _html_quote_start(markup)]
    return html_to_text(markup, links=False).strip()[:TEXT_LIMIT]


def _drop_blocks(markup: str) -> str:
    lower = markup.lower()
    for opening, closing in _DROPPED_BLOCKS:
        kept, at = [], 0
        while (start := lower.find(opening, at)) >= 0:
            kept.append(markup[at:start])
            end = lower.find(closing, start + len(opening))
            at = len(markup) if end < 0 else lower.find(">", end) + 1 or len(markup)
        kept.append(markup[at:])
        markup = "".join(kept)
        lower = markup.lower()
    return markup


def _html_quote_start(markup: str) -> int:
    lower = markup.lower()
    found = [at for at in (lower.find(marker) for marker in _HTML_QUOTE_MARKERS) if at >= 0]
    starts = [max(lower.rfind("<", 0, at + 1), 0) for at in found]  # the marker's tag
    return min(starts, default=len(markup))


# --- reports ----------------------------------------------------------------------------------


def field_blocks(part: Message) -> list[Headers]:
    """The field blocks of a ``message/delivery-status`` or ``message/feedback-report`` part."""
    blocks = [Headers(p) for p in _children(part)[:100]]
    if any(blocks):
        return blocks
    text = part_text(part)
    chunks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))[:100]
    return [Headers(_header_parser().parsestr(chunk, headersonly=True)) for chunk in chunks]


def embedded_headers(part: Part) -> Headers | None:
    """Headers of the original message returned inside a report, if ``part`` holds them."""
    if part.content_type not in EMBEDDED_TYPES:
        return None
    inner = _children(part.message)
    return Headers(inner[0]) if inner else _headers_of(part.message)


def _headers_of(part: Message) -> Headers:
    text = part_text(part, limit=HEADER_LIMIT * 8)
    return Headers(_header_parser().parsestr(text, headersonly=True))


def _header_parser() -> email.parser.Parser:
    return email.parser.Parser(policy=_POLICY)
