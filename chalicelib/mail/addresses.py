"""The mail formats the platform writes and later reads back, in one place:

- the VERP envelope sender ``b+<message id>@bounces.<domain>``: bounces come back to it, and
  ``find_verp_ids`` finds our message ids in any header or report text;
- our Message-ID ``<<message id>.<16 hex of its hash>@<domain>>``: replies and reports quote it in
  In-Reply-To, References or an inline copy, and ``find_message_ids`` reads it back;
- the unsubscribe mailto ``unsubscribe+<message id>@bounces.<domain>``: a mail to it
  unsubscribes the message's recipient, and ``find_unsubscribe_addresses`` reads it back.

Message ids are ``[a-z0-9_]``, 1 to 60 characters; domains are written as punycode.
"""

from __future__ import annotations

import hashlib
import re

VERP_PREFIX = "b+"
UNSUBSCRIBE_PREFIX = "unsubscribe+"
BOUNCE_LABEL = "bounces"
_ID = r"[a-z0-9_]{1,60}"
_MESSAGE_ID = re.compile(_ID)
_VERP = re.compile(rf"(?<![\w.+\-])b\+({_ID})@", re.I | re.A)
_UNSUBSCRIBE = re.compile(
    rf"(?<![\w.+\-])unsubscribe\+({_ID})@({BOUNCE_LABEL}\.[a-z0-9.\-]{{1,250}}[a-z0-9])",
    re.I | re.A,
)
_OURS = re.compile(rf"<(msg_{_ID})\.[0-9a-z]{{1,40}}@[^<>\s]{{1,255}}>", re.I | re.A)
# A quoted copy's own Message-ID line, not its In-Reply-To (which names an earlier message).
_QUOTED = re.compile(
    rf"^[ \t>]{{0,8}}message-id:[ \t]{{0,8}}<(msg_{_ID})\.[0-9a-z]{{1,40}}@[^<>\s]{{1,255}}>",
    re.I | re.M | re.A,
)


def idna(domain: str) -> str:
    """A domain as the wire writes it: lower-case punycode, no trailing dot."""
    try:
        return domain.strip().rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"invalid domain: {domain!r}") from exc


def bounce_domain(domain: str) -> str:
    return f"{BOUNCE_LABEL}.{domain}"


def verp_address(message_id: str, bounce_host: str) -> str:
    """The envelope sender ``b+{message_id}@{bounce_host}`` bounces come back to."""
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError("message_id may only contain [a-z0-9_] (1-60 characters)")
    return f"{VERP_PREFIX}{message_id}@{idna(bounce_host)}"


def parse_verp(address: str) -> str | None:
    """The message id from a VERP address (``<b+id@domain>`` too), or None if it is not one."""
    local, at, _domain = address.strip().strip("<>").rpartition("@")
    local = local.lower()
    if not at or not local.startswith(VERP_PREFIX):
        return None
    message_id = local[len(VERP_PREFIX) :]
    return message_id if _MESSAGE_ID.fullmatch(message_id) else None


def find_verp_ids(text: str, limit: int = 4000) -> list[str]:
    """Our message ids of the VERP addresses in ``text`` (a header value, a report)."""
    found = (m.group(1).lower() for m in _VERP.finditer(text[:limit]))
    return [message_id for message_id in found if message_id.startswith("msg_")]


def message_id_header(message_id: str, domain: str) -> str:
    """The Message-ID of one of our messages: its id, a token derived from the id, the domain.
    The same message always gets the same Message-ID (a retry is the same email, and a
    follow-up can name the first message's Message-ID before that one is even built)."""
    token = hashlib.sha256(f"message-id:{message_id}".encode()).hexdigest()[:16]
    return f"<{message_id}.{token}@{idna(domain)}>"


def find_message_ids(value: str, limit: int = 8000) -> list[str]:
    """Our message ids in a Message-ID, In-Reply-To or References value, in order."""
    return [m.group(1).lower() for m in _OURS.finditer(value[:limit])]


def find_quoted_message_ids(text: str) -> list[str]:
    """Our message ids on the Message-ID lines of a quoted copy (an inline bounce)."""
    return [m.group(1).lower() for m in _QUOTED.finditer(text)]


def unsubscribe_mailto(message_id: str, domain: str) -> str:
    return f"{UNSUBSCRIBE_PREFIX}{message_id}@{bounce_domain(domain)}"


def find_unsubscribe_addresses(text: str, limit: int = 4000) -> list[tuple[str, str]]:
    """(message id, bounce host) of each unsubscribe address in ``text`` (a header value),
    lower-cased, our ``msg_`` ids only, in order."""
    found = ((m.group(1).lower(), m.group(2).lower()) for m in _UNSUBSCRIBE.finditer(text[:limit]))
    return [pair for pair in dict.fromkeys(found) if pair[0].startswith("msg_")]
