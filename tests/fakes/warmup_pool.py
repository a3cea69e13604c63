"""An in-memory pool mailbox: ``PoolFolders`` holds its inbox and spam folder (UIDs grow per
folder and are never reused, as IMAP's), ``FakePoolInbox`` is the ``PoolInbox`` port over it.
The in-test IMAP server serves the same ``PoolFolders``, so both pass one contract."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser

from chalicelib.warmup.inbox import FOLDERS, Folder, PoolMessage, read_pool_message, searchable_id


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)

    @functools.cached_property
    def message_id(self) -> str:
        return (BytesHeaderParser().parsebytes(self.raw).get("Message-ID") or "").strip()


class PoolFolders:
    def __init__(self) -> None:
        self.mail: dict[Folder, list[StoredMail]] = {folder: [] for folder in FOLDERS}
        self._next_uid: dict[Folder, int] = {folder: 1 for folder in FOLDERS}
        self.lock = threading.RLock()

    def deliver(self, folder: Folder, raw: bytes, flags: set[str] | None = None) -> int:
        with self.lock:
            uid = self._next_uid[folder]
            self._next_uid[folder] += 1
            self.mail[folder].append(StoredMail(uid, raw, set(flags or ())))
            return uid

    def find(self, folder: Folder, message_id: str) -> list[StoredMail]:
        return [m for m in self.mail[folder] if m.message_id == message_id]

    def flags_of(self, message_id: str) -> dict[Folder, set[str]]:
        return {f: set(m.flags) for f in FOLDERS for m in self.find(f, message_id)}


class FakePoolInbox:
    def __init__(self, folders: PoolFolders | None = None) -> None:
        self.folders = folders or PoolFolders()

    def list_warmup(self, folder: Folder, after_uid: int, limit: int) -> list[PoolMessage]:
        with self.folders.lock:
            fresh = [m for m in self.folders.mail[folder] if m.uid > after_uid][:limit]
            found = (read_pool_message(folder, m.uid, m.raw) for m in fresh)
            return [message for message in found if message is not None]

    def mark_seen(self, message_id: str) -> bool:
        return self._add_flag(message_id, "\\Seen")

    def flag_important(self, message_id: str) -> bool:
        return self._add_flag(message_id, "\\Flagged")

    def move_to_inbox(self, message_id: str) -> bool:
        searchable_id(message_id)
        moving = self.folders.find("spam", message_id)
        for mail in moving:
            self.folders.mail["spam"].remove(mail)
            self.folders.deliver("inbox", mail.raw, mail.flags)
        return bool(moving)

    def _add_flag(self, message_id: str, flag: str) -> bool:
        searchable_id(message_id)
        for folder in FOLDERS:
            found = self.folders.find(folder, message_id)
            for mail in found:
                mail.flags.add(flag)
            if found:
                return True
        return False


class FakeReceivedStore:
    """The pool's receiving-side store in memory: the same once-only rules as
    ``DynamoPoolStore`` (a message received once, an action done and counted once)."""

    def __init__(self) -> None:
        from chalicelib.warmup.pool_store import Received

        self.records: dict[tuple[str, str, str], Received] = {}
        self.cursors: dict[tuple[str, str], dict[str, int]] = {}
        self.counters: dict[tuple[str, str, str], dict[str, int]] = {}

    def cursor(self, tenant_id: str, mailbox_id: str) -> dict[str, int]:
        return dict(self.cursors.get((tenant_id, mailbox_id), {"inbox": 0, "spam": 0}))

    def advance(self, tenant_id: str, mailbox_id: str, folder: str, uid: int) -> None:
        current = self.cursors.setdefault((tenant_id, mailbox_id), {"inbox": 0, "spam": 0})
        current[folder] = max(current[folder], uid)

    def receive(self, record) -> bool:  # noqa: ANN001 - Received
        key = (record.tenant_id, record.mailbox_id, record.message_id)
        if key in self.records:
            return False
        self.records[key] = record
        self._count(record.sender, record.folder)
        return True

    def due(self, tenant_id: str, mailbox_id: str, now: str, limit: int) -> list:
        found = [
            r
            for (t, m, _), r in self.records.items()
            if t == tenant_id and m == mailbox_id and r.next_at is not None and r.next_at <= now
        ]
        return found[:limit]

    def complete(self, record, kind: str, counter: str | None) -> bool:  # noqa: ANN001
        import dataclasses

        key = (record.tenant_id, record.mailbox_id, record.message_id)
        stored = self.records.get(key)
        if stored is None or kind in stored.done:
            return False
        self.records[key] = dataclasses.replace(stored, done=stored.done | {kind})
        if counter:
            self._count(record.sender, counter)
        return True

    def counts(self, tenant_id: str, mailbox_id: str, on: str) -> dict[str, int]:
        from chalicelib.warmup.pool_store import COUNTERS

        found = self.counters.get((tenant_id, mailbox_id, on), {})
        return {c: found.get(c, 0) for c in COUNTERS}

    def _count(self, sender, counter: str) -> None:  # noqa: ANN001 - SenderRef
        key = (sender.tenant_id, sender.mailbox_id, sender.on)
        bucket = self.counters.setdefault(key, {})
        bucket[counter] = bucket.get(counter, 0) + 1
