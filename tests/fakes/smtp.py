"""An SMTP twin for the send path: a sink that records what a server accepted, and senders
whose replies are scripted per recipient (``"250"``, ``"451 4.7.1 later"``, ``"550 5.1.1"``,
``"drop"`` for a connection lost mid-DATA, ``"crash-after"``/``"crash-before"`` for a worker
that dies after or before the server took the message)."""

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

    def script(self, rcpt: str, *replies: str) -> None:
        self.scripts[rcpt.lower()].extend(replies)

    def count(self, rcpt: str) -> int:
        return sum(1 for r, _ in self.accepted if r == rcpt.lower())

    def factory(self, mailbox: Any) -> FakeSender:
        self.opened += 1
        return FakeSender(self)


class FakeSender:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def send(self, envelope: Any) -> Result:
        await asyncio.sleep(0)
        self.sink.sends += 1
        rcpt = envelope.rcpt_to.lower()
        queue = self.sink.scripts.get(rcpt)
        reply = queue.popleft() if queue else "250"
        if reply == "crash-before":
            raise WorkerCrash(rcpt)
        if reply in ("250", "crash-after"):
            self.sink.accepted.append((rcpt, envelope.data))
            if reply == "crash-after":
                raise WorkerCrash(rcpt)
            return Result(250, "2.0.0 Ok: queued", "done")
        if reply == "drop":
            return Result(None, "connection lost during DATA", "data")
        if reply == "down":
            return Result(None, "connection refused", "connect")
        if reply == "auth":
            return Result(535, "5.7.8 Authentication credentials invalid", "auth")
        code, _, text = reply.partition(" ")
        return Result(int(code), text, "rcpt")

    async def close(self) -> None:
        self.sink.closed += 1
