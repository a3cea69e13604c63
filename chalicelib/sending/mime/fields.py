"""Writing an outgoing email's header fields and MIME body as text, without the ``email``
package's object model (its header parsing and refolding were most of ``mime.build``).

This module owns the wire format only: unstructured fields folded at whitespace (within 78
characters where a word allows it, a longer word kept whole up to RFC 5322's 998 octets),
RFC 2047 encoded words for non-ASCII text when SMTPUTF8 is not in use, and for any value a
reader could misread (control characters, ``=?``) or that holds a word too long for one line;
mailbox formatting (display name and local part quoted as the stdlib's ``Address`` does);
and the body: one quoted-printable text/plain part, or multipart/alternative of text/plain and
text/html. Values arrive checked by ``headers`` (no line breaks); a literal field (a URL list)
that cannot be written within 998 octets raises ``TooLong``.
"""

from __future__ import annotations

import binascii
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

LINE = 78  # RFC 5322's recommended limit, CRLF excluded
MAX_LINE = 998  # RFC 5322's hard limit, CRLF excluded
CRLF = "\r\n"
# An RFC 2047 word holds at most 75 characters; "=?utf-8?b?" and "?=" take 12 of them, and
# 45 octets make 60 base64 characters.
_WORD_OCTETS = 45
_ENCODED_OVERHEAD = 12
# A folding unit: the whitespace before a word and the word; trailing whitespace stays
# with the last word, so no folded line is whitespace only.
_UNIT = re.compile(r"[ \t]*[^ \t]+(?:[ \t]+\Z)?")
# Written as encoded words so every reader gets the text back as given: control characters
# (TAB is folding whitespace) and "=?", which a reader would decode as an encoded word.
_ENCODE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|=\?")
# Where the stdlib's Address quotes a display name (RFC 5322 specials) and a local part
# (specials but the dot, and whitespace).
_PHRASE_SPECIALS = re.compile(r'[()<>@,:;.\\"\[\]]')
_LOCAL_SPECIALS = re.compile(r'[()<>@,:;\\"\[\] \t]')
_PART_HEAD = {
    subtype: (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii")
    for subtype in ("plain", "html")
}


class TooLong(Exception):
    """A field has a word that does not fit in a 998-octet line with its name."""


def _octets(text: str) -> int:
    return len(text.encode("utf-8"))


def _checked(lines: list[str], size: Callable[[str], int]) -> str:
    if any(size(line) > MAX_LINE for line in lines):
        raise TooLong(lines[0].partition(":")[0])
    return CRLF.join(lines) + CRLF


def _fold(name: str, value: str, size: Callable[[str], int]) -> str:
    """``name: value`` with CRLF before whitespace where a line would pass 78 characters;
    unfolding (removing the CRLFs) gives back ``value`` exactly."""
    if not value:
        return f"{name}:{CRLF}"
    line = f"{name}: {value}"
    length = size(line)
    if length <= LINE:
        return line + CRLF
    units = _UNIT.findall(value)
    if len(units) < 2:
        return _checked([line], size)
    lines, current = [], f"{name}: {units[0]}"
    length = size(current)
    for unit in units[1:]:
        unit_size = size(unit)
        if length + unit_size > LINE:
            lines.append(current)
            current, length = unit, unit_size
        else:
            current, length = current + unit, length + unit_size
    lines.append(current)
    return _checked(lines, size)


def encoded_words(text: str, room: int) -> list[str]:
    """``text`` as RFC 2047 base64 words of UTF-8, the first within ``room`` characters,
    each holding whole characters (a decoder may not join a character split in two)."""
    data = text.encode("utf-8")
    budget = max(6, (room - _ENCODED_OVERHEAD) // 4 * 3)  # 6 octets hold any character
    budget = min(budget, _WORD_OCTETS)
    words, start = [], 0
    while start < len(data):
        end = min(start + budget, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a UTF-8 sequence
            end -= 1
        chunk = binascii.b2a_base64(data[start:end], newline=False).decode("ascii")
        words.append(f"=?utf-8?b?{chunk}?=")
        start, budget = end, _WORD_OCTETS
    return words


def _encoded(name: str, text: str, suffix: str = "") -> str:
    """``name: text`` as encoded words, one per line, then ``suffix`` (ASCII)."""
    words = encoded_words(text, LINE - len(name) - 2)
    lines = [f"{name}: {words[0]}", *(f" {word}" for word in words[1:])]
    if suffix and len(lines[-1]) + 1 + len(suffix) > LINE:
        lines.append(f" {suffix}")
    elif suffix:
        lines[-1] += f" {suffix}"
    return _checked(lines, len)


def field(name: str, value: str, utf8: bool) -> str:
    """An unstructured field, CRLF-terminated: non-ASCII text raw (SMTPUTF8) or encoded,
    and encoded words wherever plain text would not come back as given."""
    if _ENCODE.search(value):
        return _encoded(name, value)
    try:
        if value.isascii():
            return _fold(name, value, len)
        if utf8:
            return _fold(name, value, _octets)
    except TooLong:  # a word that cannot fit one line with the name
        pass
    return _encoded(name, value)


def literal(name: str, value: str) -> str:
    """An ASCII field that must stay as written (a list of URLs): folded at whitespace only;
    ``TooLong`` when a word cannot fit 998 octets."""
    return _fold(name, value, len)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def addr_spec(local: str, domain: str) -> str:
    """``local@domain``, the local part quoted when it is not a dot-atom's characters."""
    return f"{_quoted(local) if _LOCAL_SPECIALS.search(local) else local}@{domain}"


def mailbox(name: str, display_name: str, local: str, domain: str, utf8: bool) -> str:
    """A mailbox field: ``Display Name <local@domain>``, or the bare address without one."""
    spec = addr_spec(local, domain)
    if not display_name:
        return field(name, spec, utf8)
    if _ENCODE.search(display_name):
        return _encoded(name, display_name, f"<{spec}>")
    if display_name.isascii() or utf8:
        if _PHRASE_SPECIALS.search(display_name):
            display_name = _quoted(display_name)
        return field(name, f"{display_name} <{spec}>", utf8)
    return _encoded(name, display_name, f"<{spec}>")


def quoted_printable(text: str) -> bytes:
    """UTF-8 quoted-printable with CRLF line ends and lines within RFC 2045's 76 characters.
    Line ends are CR, LF and CRLF, as ``bytes.splitlines`` sees them. binascii encodes LF
    text, CRLF after: in CRLF mode it adds a soft break before a line's 76th character."""
    data = text.encode("utf-8")
    if b"\r" in data:
        data = b"\n".join(data.splitlines()) + b"\n"
    elif not data.endswith(b"\n"):  # the usual case: no list of lines
        data += b"\n"
    return binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")


def body(text: str, html: str | None, boundary: str) -> bytes:
    """Content-Type onwards: text/plain alone, or multipart/alternative with text/html;
    ``boundary`` must not occur in quoted-printable text (see ``mime``)."""
    if html is None:
        return _PART_HEAD["plain"] + quoted_printable(text)
    mark = boundary.encode("ascii")
    return b"".join(
        (
            b'Content-Type: multipart/alternative; boundary="' + mark + b'"\r\n\r\n--' + mark,
            b"\r\n" + _PART_HEAD["plain"],
            quoted_printable(text),
            b"\r\n--" + mark + b"\r\n" + _PART_HEAD["html"],
            quoted_printable(html),
            b"\r\n--" + mark + b"--\r\n",
        )
    )
