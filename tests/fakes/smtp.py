"""An SMTP twin for the send path: a sink that records what a server accepted, and senders
whose replies are scripted per recipient (``"250"``, ``"451 4.7.1 later"``, ``"550 5.1.1"``,
``"drop"`` for a connection lost mid-DATA, ``"down"``/``"auth"`` for a session that cannot be
set up, ``"crash-after"``/``"crash-before"`` for a worker that dies after the server took the
message or while its DATA is in flight).

Like the real sender, each sender has a few connections (``connections``, 2 by default): a
message waits for one, then the sender awaits the caller's ``claim`` (when given) right before
the transaction, and sends nothing when the claim is refused. The sink records which
recipients had their transaction started (``started``) and which returned (``finished``), so a
test can tell the messages whose DATA was in flight when a worker died."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any


class WorkerCrash(BaseException):
    """Stands for the Lambda process dying: not an ``Exception``, so nothing catches it."""


@dataclass
class Result:
    code: int | None
    text: str
    stage: str

    @property
    def accepted(self) -> bool:
        return self.code is not None and 200 <= self.code < 300 and self.stage == "done"


@dataclass
class SmtpSink:
    accepted: list[tuple[str, bytes]] = field(default_factory=list)
    scripts: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    opened: int = 0
    closed: int = 0
    sends: int = 0
    connections: int = 2
    dead: bool = False  # a worker crashed: its process is gone, nothing more happens
    connected: list[str] = field(default_factory=list)  # held a ready session
    started: list[str] = field(default_factory=list)  # the transaction began
    finished: list[str] = field(default_factory=list)  # the send returned

    def script(self, rcpt: str, *replies: str) -> None:
        self.scripts[rcpt.lower()].extend(replies)

    def count(self, rcpt: str) -> int:
        return sum(1 for r, _ in self.accepted if r == rcpt.lower())

    def in_flight(self) -> set[str]:
        """Recipients that held a connection and never got their result back (a worker
        died while it was being handed over or while its DATA was on the wire)."""
        return set(self.connected) - set(self.finished)

    def factory(self, mailbox: Any) -> FakeSender:
        self.opened += 1
        return FakeSender(self)


SETUP_FAILURES = {
    "down": Result(None, "connection refused", "connect"),
    "auth": Result(535, "5.7.8 Authentication credentials invalid", "auth"),
}


class FakeSender:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink
        self._slots = asyncio.Semaphore(sink.connections)

    async def send(self, envelope: Any, claim: Any = None) -> Result:
        self._alive()
        async with self._slots:
            self._alive()
            await asyncio.sleep(0)
            rcpt = envelope.rcpt_to.lower()
            queue = self.sink.scripts.get(rcpt)
            reply = queue.popleft() if queue else "250"
            setup = SETUP_FAILURES.get(reply)
            if setup is not None:
                return setup
            self.sink.connected.append(rcpt)
            if claim is not None and not await claim():
                self.sink.finished.append(rcpt)
                return Result(None, "another worker owns the message", "claim")
            self._alive()
            self.sink.started.append(rcpt)
            await asyncio.sleep(0)  # the transaction takes a moment: others may run meanwhile
            self._alive()
            result = self._transact(rcpt, reply, envelope)
            self.sink.finished.append(rcpt)
            return result

    def _alive(self) -> None:
        if self.sink.dead:
            raise WorkerCrash("the process is gone")

    def _transact(self, rcpt: str, reply: str, envelope: Any) -> Result:
        self.sink.sends += 1
        if reply == "crash-before":
            self.sink.dead = True
            raise WorkerCrash(rcpt)
        if reply in ("250", "crash-after"):
            self.sink.accepted.append((rcpt, envelope.data))
            if reply == "crash-after":
                self.sink.dead = True
                raise WorkerCrash(rcpt)
            return Result(250, "2.0.0 Ok: queued", "done")
        if reply == "drop":
            return Result(None, "connection lost during DATA", "data")
        code, _, text = reply.partition(" ")
        return Result(int(code), text, "rcpt")

    async def close(self) -> None:
        self.sink.closed += 1
