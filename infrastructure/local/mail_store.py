"""The local SMTP server's message records and per-user inboxes, with the state an IMAP
server keeps.

Owns: the shape of a stored message record (``build_message``, ``inbox_record``) and every
record delivered to a local mailbox, in delivery order. A record's position never changes (the
inbound poller, ``chalicelib.inbound.sources.LocalInboxSource``, uses positions as UIDs), so
nothing is reordered or dropped when a message moves. Each record also carries IMAP-like
state: its ``folder`` (``"inbox"`` or ``"spam"``), its ``flags`` (``\\Seen``, ``\\Flagged``…)
and a ``uid`` that increases per user and folder and is never reused; a move gives the
message a new uid in the target folder, as IMAP MOVE does. Warm-up mail (the ``X-PM-Warmup``
header) lands in spam with probability ``spam_rate``, decided from its Message-ID alone (a
hash), so the same message always lands in the same folder; everything else lands in the
inbox. Thread safe (one lock); the SMTP server and the HTTP handler threads share it.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from email.parser import HeaderParser
from typing import Any, Literal

Folder = Literal["inbox", "spam"]
FOLDERS: tuple[Folder, ...] = ("inbox", "spam")
WARMUP_HEADER = "X-PM-Warmup"  # chalicelib.warmup.content.WARMUP_HEADER (a test holds them equal)
DEFAULT_SPAM_RATE = 0.25
FLAG = re.compile(r"\\?[A-Za-z$][A-Za-z0-9$_.\-]{0,63}")  # \Seen, \Flagged, or a keyword


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _format_peer(peer: Any) -> str:
    if not isinstance(peer, tuple) or len(peer) < 2:
        return str(peer)
    ip, port = peer[0], peer[1]
    return f"[{ip}]:{port}" if ":" in str(ip) else f"{ip}:{port}"


def build_message(session: Any, envelope: Any) -> dict[str, Any]:
    """The stored record of one message the SMTP server accepted (aiosmtpd's ``Session`` and
    ``Envelope``)."""
    raw: bytes = envelope.original_content or b""
    return {
        "id": f"smtp_{uuid.uuid4().hex}",
        "mail_from": envelope.mail_from or "",
        "rcpt_tos": list(envelope.rcpt_tos),
        "raw": raw.decode("utf-8", errors="replace"),
        "size": len(raw),
        "received_at": utc_now(),
        "auth_user": session.auth_data if session.authenticated else None,
        "tls": session.ssl is not None,
        "peer": _format_peer(session.peer),
    }


def copy_message(message: dict[str, Any]) -> dict[str, Any]:
    return {**message, "rcpt_tos": list(message["rcpt_tos"])}


def inbox_record(mailbox: str, mail_from: str, raw: str, kind: str, peer: str) -> dict[str, Any]:
    """A record (stored-message shape plus ``kind``) the server itself delivers to ``mailbox``
    (the simulator's answers, or mail dropped straight into a folder)."""
    return {
        "id": f"smtp_{uuid.uuid4().hex}",
        "mail_from": mail_from,
        "rcpt_tos": [mailbox],
        "raw": raw,
        "size": len(raw.encode("utf-8")),
        "received_at": utc_now(),
        "auth_user": None,
        "tls": False,
        "peer": peer,
        "kind": kind,
    }


def check_rate(value: object, field: str) -> float:
    """``value`` as a float in [0, 1]; ValueError naming ``field`` otherwise (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{field} must be a number from 0 to 1")
    return float(value)


def headers(raw: str) -> tuple[str, bool]:
    """(Message-ID, carries the warm-up header) of a raw message."""
    head = HeaderParser().parsestr(raw, headersonly=True)
    return (head.get("Message-ID") or "").strip(), bool((head.get(WARMUP_HEADER) or "").strip())


def spam_share(message_id: str) -> float:
    """Where ``message_id`` falls in [0, 1): below the spam rate it lands in spam."""
    digest = hashlib.sha256(message_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def placement(message_id: str, warmup: bool, spam_rate: float) -> Folder:
    """The folder a delivered message lands in."""
    return "spam" if warmup and spam_share(message_id) < spam_rate else "inbox"


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A caller's copy of a stored record (flags as a sorted list)."""
    return {**record, "rcpt_tos": list(record["rcpt_tos"]), "flags": sorted(record["flags"])}


class MailStore:
    def __init__(self, spam_rate: float = DEFAULT_SPAM_RATE) -> None:
        self._lock = threading.Lock()
        self._boxes: dict[str, list[dict[str, Any]]] = {}
        self._last_uid: dict[tuple[str, Folder], int] = {}
        self._spam_rate = check_rate(spam_rate, "spam_rate")

    @property
    def spam_rate(self) -> float:
        return self._spam_rate

    @spam_rate.setter
    def spam_rate(self, value: float) -> None:
        self._spam_rate = check_rate(value, "spam_rate")

    def deliver(
        self, mailbox: str, record: dict[str, Any], folder: Folder | None = None
    ) -> dict[str, Any]:
        """Append ``record`` to ``mailbox`` in ``folder`` (default: by placement) with no flags
        and the folder's next uid; answers a copy of what was stored."""
        message_id, warmup = headers(record["raw"])
        with self._lock:
            target = folder or placement(message_id or record["id"], warmup, self._spam_rate)
            stored = {**record, "message_id": message_id, "folder": target, "flags": set()}
            stored["uid"] = self._next_uid(mailbox, target)
            self._boxes.setdefault(mailbox, []).append(stored)
            return public(stored)

    def _next_uid(self, mailbox: str, folder: Folder) -> int:
        """The caller holds ``_lock``."""
        uid = self._last_uid.get((mailbox, folder), 0) + 1
        self._last_uid[(mailbox, folder)] = uid
        return uid

    def records(self, mailbox: str) -> list[dict[str, Any]]:
        """Copies of everything delivered to ``mailbox``, in delivery order, whatever the folder."""
        with self._lock:
            return [public(r) for r in self._boxes.get(mailbox, [])]

    def folder(
        self, mailbox: str, folder: Folder, after_uid: int = 0, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Copies of ``folder``'s messages with a uid above ``after_uid``, by uid."""
        with self._lock:
            found = [
                r
                for r in self._boxes.get(mailbox, [])
                if r["folder"] == folder and r["uid"] > after_uid
            ]
            found.sort(key=lambda r: int(r["uid"]))
            return [public(r) for r in found[:limit]]

    def add_flags(self, mailbox: str, message_id: str, flags: Iterable[str]) -> int:
        """Add ``flags`` to every message of ``mailbox`` with that Message-ID; how many."""
        wanted = set(flags)
        with self._lock:
            found = [r for r in self._boxes.get(mailbox, []) if r["message_id"] == message_id]
            for record in found:
                record["flags"] |= wanted
            return len(found)

    def move(self, mailbox: str, message_id: str, to: Folder) -> int:
        """Move the messages with that Message-ID held in another folder to ``to`` (new uids
        there, flags and positions kept); how many moved (0: none outside ``to``)."""
        with self._lock:
            moving = [
                r
                for r in self._boxes.get(mailbox, [])
                if r["message_id"] == message_id and r["folder"] != to
            ]
            for record in moving:
                record["folder"], record["uid"] = to, self._next_uid(mailbox, to)
            return len(moving)

    def counts(self) -> dict[str, int]:
        """Message count of every non-empty mailbox."""
        with self._lock:
            return {user: len(box) for user, box in sorted(self._boxes.items())}

    def clear(self) -> None:
        """Forget every message; uids are never reused (a reader's cursor stays valid) and
        the spam rate is kept."""
        with self._lock:
            self._boxes.clear()
