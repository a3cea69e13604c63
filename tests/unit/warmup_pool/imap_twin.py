"""A tiny IMAP4rev1 server over ``PoolFolders`` for the ``ImapPoolInbox`` contract tests:
CAPABILITY, LOGIN, SELECT/EXAMINE (``INBOX`` and ``Junk``), UID SEARCH (``UID n:*`` and
``HEADER name "value"``), UID FETCH BODY.PEEK[], UID STORE +FLAGS, UID MOVE, UID COPY,
UID EXPUNGE, EXPUNGE, LOGOUT. Plain TCP on loopback; only what the adapter sends."""

from __future__ import annotations

import re
import shlex
import socket
import socketserver
import threading
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.warmup.inbox import Folder
    from tests.fakes.warmup_pool import PoolFolders, StoredMail

NAMES: dict[str, Folder] = {"INBOX": "inbox", "JUNK": "spam"}
_FLAGS = re.compile(r"\((.*)\)")


class _Handler(socketserver.StreamRequestHandler):
    server: ImapTwin

    def handle(self) -> None:
        # Replies are written line by line: without NODELAY each waits for a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.folder: Folder | None = None
        self.send("* OK IMAP4rev1 twin ready")
        while line := self.rfile.readline():
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            if not self.dispatch(tag, command.upper(), args):
                return

    def send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def dispatch(self, tag: str, command: str, args: str) -> bool:
        if command == "LOGOUT":
            self.send("* BYE")
            self.send(f"{tag} OK LOGOUT completed")
            return False
        if command == "CAPABILITY":
            self.send("* CAPABILITY " + " ".join(["IMAP4rev1", *self.server.extensions]))
        elif command in ("SELECT", "EXAMINE"):
            return self.select(tag, args)
        elif command == "UID":
            with self.server.folders.lock:
                return self.uid(tag, args)
        elif command == "EXPUNGE":
            self.expunge(None)
        elif command != "LOGIN":
            self.send(f"{tag} BAD unknown command")
            return True
        self.send(f"{tag} OK {command} completed")
        return True

    def select(self, tag: str, args: str) -> bool:
        folder = NAMES.get(args.strip('"').upper())
        if folder is None:
            self.send(f"{tag} NO no such mailbox")
            return True
        self.folder = folder
        self.send(f"* {len(self.mail())} EXISTS")
        self.send("* OK [UIDVALIDITY 1] UIDs valid")
        self.send(f"{tag} OK SELECT completed")
        return True

    def mail(self) -> list[StoredMail]:
        assert self.folder is not None
        return self.server.folders.mail[self.folder]

    def uid(self, tag: str, args: str) -> bool:
        command, _, rest = args.partition(" ")
        command = command.upper()
        if command == "SEARCH":
            self.send("* SEARCH " + " ".join(str(m.uid) for m in self.search(shlex.split(rest))))
        elif command == "FETCH":
            self.fetch(rest.split(" ")[0])
        elif command == "STORE":
            uids, _, flags = rest.split(" ", 2)
            for mail in self.chosen(uids):
                mail.flags.update(_FLAGS.fullmatch(flags).group(1).split())  # type: ignore[union-attr]
        elif command in ("MOVE", "COPY"):
            uids, _, target = rest.partition(" ")
            self.copy(uids, NAMES[target.strip('"').upper()], move=command == "MOVE")
        elif command == "EXPUNGE":
            self.expunge({m.uid for m in self.chosen(rest)})
        self.send(f"{tag} OK UID {command} completed")
        return True

    def chosen(self, uids: str) -> list[StoredMail]:
        wanted = {int(u) for u in uids.split(",")}
        return [m for m in self.mail() if m.uid in wanted]

    def search(self, keys: list[str]) -> list[StoredMail]:
        found = list(self.mail())
        while keys:
            key = keys.pop(0).upper()
            if key == "UID":
                low = int(keys.pop(0).split(":")[0])
                highest = max((m.uid for m in self.mail()), default=0)
                found = [m for m in found if m.uid >= min(low, highest)]
            elif key == "HEADER":
                name, value = keys.pop(0), keys.pop(0)
                found = [m for m in found if _has_header(m.raw, name, value)]
        return found

    def fetch(self, uid: str) -> None:
        for position, mail in enumerate(self.mail(), start=1):
            if mail.uid == int(uid):
                head = f"* {position} FETCH (UID {mail.uid} BODY[] {{{len(mail.raw)}}}"
                self.send(head.encode() + b"\r\n" + mail.raw + b")")

    def copy(self, uids: str, target: Folder, move: bool) -> None:
        for mail in self.chosen(uids):
            self.server.folders.deliver(target, mail.raw, mail.flags - {"\\Deleted"})
            if move:
                self.mail().remove(mail)

    def expunge(self, only: set[int] | None) -> None:
        for mail in [m for m in self.mail() if "\\Deleted" in m.flags]:
            if only is None or mail.uid in only:
                self.mail().remove(mail)


def _has_header(raw: bytes, name: str, value: str) -> bool:
    """RFC 3501 SEARCH HEADER: the field exists and contains ``value`` (any case)."""
    fields = BytesHeaderParser().parsebytes(raw).get_all(name) or []
    return any(value.lower() in str(f).lower() for f in fields)


class ImapTwin(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, folders: PoolFolders, extensions: tuple[str, ...]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folders = folders
        self.extensions = extensions
        self._thread = threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def __enter__(self) -> ImapTwin:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()
        self.server_close()
