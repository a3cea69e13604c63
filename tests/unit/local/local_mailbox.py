"""A real local SMTP server (no AUTH needed for local delivery in tests) plus the local HTTP
front door's ``/local/`` routes, both on loopback with free ports; and ``StoreFolders``, the
``PoolFolders`` shape (deliver into a folder, look at what each folder holds) over one user's
mailbox in that server's store, so the ``PoolInbox`` contract can run against it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from chalice import Chalice

from chalicelib.warmup.inbox import FOLDERS, Folder
from infrastructure.local.http_server import LocalHttpServer, LocalRoutes
from infrastructure.local.mail_store import inbox_record
from infrastructure.local.smtp_server import LocalSmtpServer
from tests.fakes.warmup_pool import StoredMail

HOST = "127.0.0.1"


@dataclass
class LocalMailbox:
    smtp: LocalSmtpServer
    base_url: str


@contextmanager
def local_mailbox() -> Iterator[LocalMailbox]:
    with LocalSmtpServer(host=HOST, port=0) as smtp:
        routes = LocalRoutes(smtp, describe=dict)
        http = LocalHttpServer(Chalice(app_name="local-mailbox-test"), routes, HOST, 0)
        http.start()
        try:
            yield LocalMailbox(smtp, f"http://{HOST}:{http.port}")
        finally:
            http.stop()


class StoreFolders:
    def __init__(self, smtp: LocalSmtpServer, user: str) -> None:
        self.smtp, self.user = smtp, user

    def deliver(self, folder: Folder, raw: bytes, flags: set[str] | None = None) -> int:
        record = inbox_record(self.user, "bob@acme.example", raw.decode(), "delivered", "test")
        stored = self.smtp.mail_store.deliver(self.user, record, folder)
        if flags:
            self.smtp.mail_store.add_flags(self.user, stored["message_id"], flags)
        return int(stored["uid"])

    @property
    def mail(self) -> dict[Folder, list[StoredMail]]:
        store = self.smtp.mail_store
        return {
            f: [
                StoredMail(r["uid"], r["raw"].encode(), set(r["flags"]))
                for r in store.folder(self.user, f)
            ]
            for f in FOLDERS
        }

    def flags_of(self, message_id: str) -> dict[Folder, set[str]]:
        held = self.mail
        return {f: set(m.flags) for f in FOLDERS for m in held[f] if m.message_id == message_id}
