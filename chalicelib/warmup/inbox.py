"""A pool mailbox's inbox as the warm-up pool sees it: the ``PoolInbox`` port (list the
warm-up messages that arrived in the inbox or the spam folder after a UID, mark one seen,
flag it important, move it from spam to the inbox) and its IMAP adapter on imaplib.

Messages are recognised by their ``X-PM-Warmup`` header and acted on by their Message-ID,
not their UID: a planned action runs hours after the message was listed, and moving a
message out of spam gives it a new UID in the inbox. "Important" is the standard
``\\Flagged`` flag (starred), which every IMAP server keeps. Listing fetches with
``BODY.PEEK`` so that listing never marks a message seen (only the planned open does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING, Any, Literal, Protocol

from chalicelib.warmup.content import WARMUP_HEADER

if TYPE_CHECKING:
    from chalicelib.mail.connection import ServerLogin

Folder = Literal["inbox", "spam"]
FOLDERS: tuple[Folder, ...] = ("inbox", "spam")
_SEARCHABLE_ID = re.compile(r'<[^\s"\\<>]{1,250}>')


@dataclass(frozen=True)
class PoolMessage:
    folder: Folder
    uid: int
    message_id: str  # its Message-ID header, angle brackets included
    token: str  # its X-PM-Warmup header
    raw: bytes


class PoolInbox(Protocol):
    def list_warmup(self, folder: Folder, after_uid: int, limit: int) -> list[PoolMessage]:
        """Warm-up messages of ``folder`` with a UID above ``after_uid``, by UID, at most
        ``limit``; other mail is skipped."""
        ...

    def mark_seen(self, message_id: str) -> bool:
        """False when no folder holds the message (deleted by its owner meanwhile)."""
        ...

    def flag_important(self, message_id: str) -> bool: ...

    def move_to_inbox(self, message_id: str) -> bool:
        """Move the message from spam to the inbox; False when it is not in spam."""
        ...


def searchable_id(message_id: str) -> str:
    """``message_id`` if it can be sent in a quoted IMAP SEARCH string; ValueError if not."""
    if not _SEARCHABLE_ID.fullmatch(message_id):
        raise ValueError(f"not a Message-ID: {message_id!r:.80}")
    return message_id


def read_pool_message(folder: Folder, uid: int, raw: bytes) -> PoolMessage | None:
    """The warm-up message ``raw`` is, or None when it lacks the header or a Message-ID."""
    head = BytesHeaderParser().parsebytes(raw)
    token = (head.get(WARMUP_HEADER) or "").strip()
    message_id = (head.get("Message-ID") or "").strip()
    if not token or not _SEARCHABLE_ID.fullmatch(message_id):
        return None
    return PoolMessage(folder, uid, message_id, token, raw)


@dataclass(frozen=True)
class ImapFolders:
    inbox: str = "INBOX"
    spam: str = "Junk"  # MailU's (Dovecot's) spam folder

    def name(self, folder: Folder) -> str:
        return self.inbox if folder == "inbox" else self.spam


class ImapPoolInbox:
    """One short imaplib session per call: LOGIN, SELECT, UID SEARCH / FETCH / STORE /
    MOVE (COPY, ``\\Deleted`` and EXPUNGE where the server has no MOVE), LOGOUT."""

    def __init__(self, login: ServerLogin, folders: ImapFolders | None = None) -> None:
        self._login = login
        self._folders = folders or ImapFolders()

    def list_warmup(self, folder: Folder, after_uid: int, limit: int) -> list[PoolMessage]:
        with _Session(self._login) as client:
            if not _select(client, self._folders.name(folder), readonly=True):
                return []
            query = f'UID {after_uid + 1}:* HEADER {WARMUP_HEADER} ""'
            uids = [u for u in _search(client, query) if u > after_uid][:limit]
            found = (read_pool_message(folder, u, _fetch(client, u)) for u in uids)
            return [message for message in found if message is not None]

    def mark_seen(self, message_id: str) -> bool:
        return self._add_flag(message_id, "\\Seen")

    def flag_important(self, message_id: str) -> bool:
        return self._add_flag(message_id, "\\Flagged")

    def move_to_inbox(self, message_id: str) -> bool:
        query = f'HEADER Message-ID "{searchable_id(message_id)}"'
        with _Session(self._login) as client:
            uids = _search(client, query) if _select(client, self._folders.spam) else []
            if uids:
                _move(client, ",".join(map(str, uids)), self._folders.inbox)
            return bool(uids)

    def _add_flag(self, message_id: str, flag: str) -> bool:
        query = f'HEADER Message-ID "{searchable_id(message_id)}"'
        with _Session(self._login) as client:
            for folder in FOLDERS:
                if not _select(client, self._folders.name(folder)):
                    continue
                uids = _search(client, query)
                if uids:
                    _ok(client.uid("STORE", ",".join(map(str, uids)), "+FLAGS", f"({flag})"))
                    return True
        return False


class _Session:
    def __init__(self, login: ServerLogin) -> None:
        self._login = login
        self._client: Any = None

    def __enter__(self) -> Any:
        import imaplib

        from chalicelib.mail.connection import tls_context

        s = self._login
        if s.security == "tls":
            context = tls_context(s.verify_tls)
            self._client = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=context, timeout=s.timeout)
        else:
            self._client = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                self._client.starttls(ssl_context=tls_context(s.verify_tls))
        self._client.login(s.username, s.password)
        return self._client

    def __exit__(self, *_exc: object) -> None:
        try:
            self._client.logout()
        except Exception:  # noqa: BLE001 - the session is over either way
            pass


def _ok(result: tuple[str, list[Any]]) -> list[Any]:
    """The data of an OK reply; a NO reply raises (imaplib raises only on BAD)."""
    status, data = result
    if status != "OK":
        import imaplib

        raise imaplib.IMAP4.error(f"the server refused: {data!r:.200}")
    return data


def _select(client: Any, mailbox: str, readonly: bool = False) -> bool:
    """False when the server has no such folder (an account with no spam folder yet)."""
    status, _ = client.select(mailbox, readonly=readonly)
    return bool(status == "OK")


def _search(client: Any, query: str) -> list[int]:
    data = _ok(client.uid("SEARCH", None, query))
    return sorted(int(u) for u in (data[0] or b"").split())


def _fetch(client: Any, uid: int) -> bytes:
    data = _ok(client.uid("FETCH", str(uid), "(BODY.PEEK[])"))
    parts = [p for p in data if isinstance(p, tuple)]
    return bytes(parts[0][1]) if parts else b""


def _move(client: Any, uids: str, target: str) -> None:
    if "MOVE" in client.capabilities:
        _ok(client.uid("MOVE", uids, target))
        return
    _ok(client.uid("COPY", uids, target))
    _ok(client.uid("STORE", uids, "+FLAGS", "(\\Deleted)"))
    _ok(client.uid("EXPUNGE", uids) if "UIDPLUS" in client.capabilities else client.expunge())
