"""In-memory twin of the operations ``DeadLetterQueues``: named queues of messages; a take
hides what it returns until ``expire()`` (the visibility timeout running out) or a forget;
a queue named in ``refusing`` refuses every copy sent to it; ``crash_before_forget`` makes
the next forget raise, as a run that dies between the send and the delete."""

from __future__ import annotations

import itertools

from chalicelib.operations.ports import Parked


class Crashed(RuntimeError):
    pass


class FakeDeadLetters:
    def __init__(self) -> None:
        self.queues: dict[str, list[Parked]] = {}
        self.hidden: dict[str, list[Parked]] = {}
        self.refusing: set[str] = set()
        self.crash_before_forget = False
        self._receipts = itertools.count(1)

    def park(self, queue: str, body: str, **extra: object) -> None:
        receipt = f"r{next(self._receipts)}"
        self.queues.setdefault(queue, []).append(Parked(body, receipt, **extra))  # type: ignore[arg-type]

    def bodies(self, queue: str) -> list[str]:
        return [p.body for p in self.queues.get(queue, [])]

    def expire(self) -> None:
        for queue, hidden in self.hidden.items():
            self.queues.setdefault(queue, []).extend(hidden)
        self.hidden = {}

    def take(self, queue: str, most: int) -> list[Parked]:
        visible = self.queues.get(queue, [])
        taken, self.queues[queue] = visible[:most], visible[most:]
        self.hidden.setdefault(queue, []).extend(taken)
        return taken

    def put_back(self, queue: str, parked: list[Parked]) -> list[Parked]:
        if queue in self.refusing:
            return []
        for p in parked:
            self.park(queue, p.body, attributes=p.attributes, group_id=p.group_id)
        return list(parked)

    def forget(self, queue: str, parked: list[Parked]) -> None:
        if self.crash_before_forget:
            self.crash_before_forget = False
            raise Crashed("the run died before deleting")
        gone = {p.receipt for p in parked}
        self.hidden[queue] = [p for p in self.hidden.get(queue, []) if p.receipt not in gone]
