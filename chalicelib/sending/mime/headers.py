"""What an outgoing email's header fields may hold: one set of rules for the API's request
models and for the builder, so a value the API accepts is one the builder can write.

- Custom header names are printable ASCII without ``:``; the fields the platform writes
  (addresses, dates, ids, MIME and unsubscribe fields) and every field mail software parses
  as an address or a date (``Resent-*``, ``Orig-Date``) cannot be given.
- No value may break a line: CR, LF, NUL and the other characters ``str.splitlines`` breaks
  at are refused. Other control characters are allowed and written as RFC 2047 encoded
  words (``fields``), as is any value that holds ``=?``.
"""

from __future__ import annotations

import re

RESERVED = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "sender",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "return-path",
        "dkim-signature",
        "mime-version",
        "orig-date",
        "resent-date",
        "resent-from",
        "resent-sender",
        "resent-to",
        "resent-cc",
        "resent-bcc",
    }
)
RESERVED_PREFIXES = ("list-unsubscribe", "content-")
_NAME = re.compile(r"[!-9;-~]{1,76}")
# What ``str.splitlines`` breaks at, and NUL: no header value may hold one.
_LINE_BREAK = re.compile(r"[\x00\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def check_value(field: str, value: str) -> str:
    """``value`` unchanged, or ValueError when it would break the header line."""
    if _LINE_BREAK.search(value):
        raise ValueError(f"{field} must not contain CR, LF, NUL or other line breaks")
    return value


def check_custom_headers(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` unchanged, or ValueError naming the first one that cannot be sent."""
    seen: set[str] = set()
    for name, value in headers.items():
        lower = name.lower()
        if not _NAME.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        if lower in RESERVED or lower.startswith(RESERVED_PREFIXES):
            raise ValueError(f"header {name} is set by the platform and cannot be given")
        if lower in seen:
            raise ValueError(f"header {name} is given twice")
        seen.add(lower)
        check_value(f"header {name}", value)
    return headers
