"""A chaos SMTP server for the chaos run (local only, never deployed): a plain asyncio ESMTP
server on loopback, with STARTTLS (a throwaway self-signed certificate) and AUTH PLAIN/LOGIN
that accepts any credentials, which misbehaves at random on purpose.

Faults, each drawn with its own probability (``rates``):

- ``tls``: per connection, STARTTLS is answered 220 and then the handshake gets garbage and
  a hang-up (a broken TLS setup);
- per transaction, at most one of ``421`` (at RCPT, then the connection is closed), ``550``
  (5.1.1 at RCPT: a hard bounce), ``451`` (at the end of DATA), ``drop`` (the connection is
  cut mid-DATA, after part of the message came in) and ``stall`` (no reply to the end of
  DATA for ``stall_seconds``, longer than the client waits, then a hang-up).

None of the faulty transactions is accepted: the message is kept only after a 250 to its
DATA, so a message the server holds twice was sent twice. The draws are reproducible: the
n-th transaction's fault depends only on ``seed`` and n, the n-th connection's TLS fault on
``seed`` and n (which message meets it depends on timing). Every kind with a rate above zero
shows at least once: the second connection's STARTTLS fails, and transactions 2, 5, 8, ...
get each transaction kind in turn before the draws take over. Messages are told apart by
our message id (the VERP return path ``b+<id>@``, else the Message-ID). ``stats()`` counts
the faults injected per kind and the messages accepted; ``accepted()`` lists them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from infrastructure.local.smtp_credentials import server_tls_context, write_self_signed_certificate

KINDS = ("tls", "421", "550", "451", "drop", "stall")
TRANSACTION_KINDS = ("421", "550", "451", "drop", "stall")
_VERP = re.compile(rb"<b\+([^@>]+)@", re.IGNORECASE)
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^.@>]+)", re.IGNORECASE | re.MULTILINE)


class _Hangup(Exception):
    """End the conversation by closing the connection."""


class ChaosSmtpServer:
    def __init__(
        self,
        rates: dict[str, float],
        seed: int = 1,
        host: str = "127.0.0.1",
        stall_seconds: float = 3.0,
    ) -> None:
        unknown = set(rates) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self.rates, self.seed, self.host = dict(rates), seed, host
        self.stall_seconds = stall_seconds
        self.port = 0
        self.faults: Counter[str] = Counter()
        self.connections = 0
        self.transactions = 0
        self._accepted: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="chaos-smtp", daemon=True
        )
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._tls: Any = None

    # --- life --------------------------------------------------------------------------

    def start(self) -> ChaosSmtpServer:
        self._tempdir = tempfile.TemporaryDirectory(prefix="chaos-smtp-")
        cert, key = write_self_signed_certificate("chaos.test", Path(self._tempdir.name), self.host)
        self._tls = server_tls_context(cert, key)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, self.host, 0), self._loop
        ).result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
            self._server = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def __enter__(self) -> ChaosSmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what happened ------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "connections": self.connections,
                "faults": {k: self.faults[k] for k in KINDS},
                "accepted": len(self._accepted),
            }

    def accepted(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._accepted)

    def accepted_per_message(self) -> Counter[str]:
        return Counter(a["message_id"] for a in self.accepted())

    # --- draws --------------------------------------------------------------------------

    def _fault_for(self, kinds: tuple[str, ...], number: int) -> str | None:
        """The fault of the ``number``-th transaction (or connection, for ``tls``)."""
        forced = [k for k in kinds if self.rates.get(k, 0.0) > 0]
        if number % 3 == 2 and number // 3 < len(forced):
            return forced[number // 3]
        return self._draw(f"{kinds[0]}:{number}", kinds)

    def _draw(self, key: str, kinds: tuple[str, ...]) -> str | None:
        """The fault for ``key`` (one uniform draw split over ``kinds``' rates), or None."""
        digest = hashlib.sha256(f"{self.seed}:{key}".encode()).digest()
        point = int.from_bytes(digest[:8], "big") / 2**64
        for kind in kinds:
            point -= self.rates.get(kind, 0.0)
            if point < 0:
                return kind
        return None

    def _note(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def _next_transaction(self) -> int:
        with self._lock:
            number, self.transactions = self.transactions, self.transactions + 1
            return number

    def _keep(self, key: str, mail_from: bytes, rcpt: bytes, data: bytes) -> None:
        match = _MESSAGE_ID.search(data)
        record = {
            "message_id": key,
            "mail_from": mail_from.decode("ascii", "replace"),
            "rcpt": rcpt.decode("ascii", "replace"),
            "header_id": match.group(1).decode("ascii", "replace") if match else "",
            "size": len(data),
        }
        with self._lock:
            self._accepted.append(record)

    # --- conversation -------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            index, self.connections = self.connections, self.connections + 1
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await _Conversation(self, index, reader, writer).run()
        except (_Hangup, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # stopping: end quietly (the stream's callback reads us)
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)  # type: ignore[arg-type]
            writer.transport.abort()


class _Conversation:
    """One connection: EHLO, STARTTLS, AUTH, then transactions until QUIT."""

    def __init__(
        self,
        server: ChaosSmtpServer,
        index: int,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.server, self.index = server, index
        self.reader, self.writer = reader, writer
        self.tls = False
        self.mail_from = b""
        self.rcpt = b""
        self.fault: str | None = None

    async def say(self, line: bytes) -> None:
        self.writer.write(line + b"\r\n")
        await self.writer.drain()

    async def run(self) -> None:
        await self.say(b"220 chaos.test ESMTP")
        while True:
            line = await self.reader.readline()
            if not line:
                return
            verb = line.split(b" ", 1)[0].strip().upper()
            handler = getattr(self, "on_" + verb.decode("ascii", "replace").lower(), None)
            if handler is None:
                await self.say(b"500 5.5.2 unknown command")
                continue
            await handler(line.rstrip(b"\r\n"))

    async def on_ehlo(self, line: bytes) -> None:
        extensions = [b"chaos.test", b"8BITMIME", b"SIZE 20000000", b"ENHANCEDSTATUSCODES"]
        extensions.append(b"AUTH PLAIN LOGIN" if self.tls else b"STARTTLS")
        for ext in extensions[:-1]:
            self.writer.write(b"250-" + ext + b"\r\n")
        await self.say(b"250 " + extensions[-1])

    on_helo = on_ehlo

    async def on_starttls(self, line: bytes) -> None:
        if self.server._fault_for(("tls",), self.index + 1) == "tls":
            self.server._note("tls")
            await self.say(b"220 2.0.0 ready to start TLS")
            self.writer.write(b"\x15\x03\x03\x00\x02\x02\x28 not a handshake\r\n")
            await self.writer.drain()
            raise _Hangup
        await self.say(b"220 2.0.0 ready to start TLS")
        await self.writer.start_tls(self.server._tls)
        self.tls = True

    async def on_auth(self, line: bytes) -> None:
        parts = line.split()
        if len(parts) >= 2 and parts[1].upper() == b"LOGIN":
            for prompt in (b"VXNlcm5hbWU6", b"UGFzc3dvcmQ6"):
                if len(parts) == 3 and prompt == b"VXNlcm5hbWU6":
                    continue
                await self.say(b"334 " + prompt)
                await self.reader.readline()
        elif len(parts) == 2:  # PLAIN without the initial response
            await self.say(b"334 ")
            base64.b64decode(await self.reader.readline(), validate=False)
        await self.say(b"235 2.7.0 authenticated")

    async def on_mail(self, line: bytes) -> None:
        self.mail_from, self.rcpt = line, b""
        await self.say(b"250 2.1.0 OK")

    async def on_rcpt(self, line: bytes) -> None:
        self.rcpt = line
        self.fault = self.server._fault_for(TRANSACTION_KINDS, self.server._next_transaction())
        if self.fault == "421":
            self.server._note("421")
            await self.say(b"421 4.3.2 chaos: service shutting down")
            raise _Hangup
        if self.fault == "550":
            self.server._note("550")
            await self.say(b"550 5.1.1 chaos: no such user")
            return
        await self.say(b"250 2.1.5 OK")

    async def on_data(self, line: bytes) -> None:
        await self.say(b"354 go ahead")
        if self.fault == "drop":
            self.server._note("drop")
            await self.reader.read(64)  # part of the message, then the line goes dead
            raise _Hangup
        data = await self.reader.readuntil(b"\r\n.\r\n")
        if self.fault == "stall":
            self.server._note("stall")
            await asyncio.sleep(self.server.stall_seconds)
            raise _Hangup
        if self.fault == "451":
            self.server._note("451")
            await self.say(b"451 4.3.0 chaos: try again later")
            return
        self.server._keep(_message_key(self.mail_from, data), self.mail_from, self.rcpt, data)
        await self.say(b"250 2.0.0 OK queued")

    async def on_rset(self, line: bytes) -> None:
        self.mail_from, self.rcpt, self.fault = b"", b"", None
        await self.say(b"250 2.0.0 OK")

    async def on_noop(self, line: bytes) -> None:
        await self.say(b"250 2.0.0 OK")

    async def on_quit(self, line: bytes) -> None:
        await self.say(b"221 2.0.0 bye")
        raise _Hangup


def _message_key(mail_from: bytes, data: bytes) -> str:
    """Our message id: from the VERP return path, else the Message-ID header, else the sender."""
    found = _VERP.search(mail_from) or _MESSAGE_ID.search(data)
    return (found.group(1) if found else mail_from).decode("ascii", "replace").lower()
