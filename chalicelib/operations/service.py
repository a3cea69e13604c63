"""The redrive: a dead-letter queue's messages back onto their source queue, safe to run
twice.

Each message is moved by take (hidden in the DLQ) → send a copy to the source → delete the
original. A run that dies between the send and the delete leaves the original in the DLQ,
visible again after the take's visibility timeout, so the next run sends it once more: a
duplicate queue entry, never a lost one. The consumers tolerate duplicates: the send
worker's claim is conditional (``queued|deferred → sending``), so a second entry for a
message finds it taken or final and does nothing; the notifier claims each notification id
before sending; the inbound worker reads only UIDs above its cursor and keys what it stores
by (mailbox, UID). The loop is bounded: it stops when the DLQ has nothing visible, after
``limit`` messages, or when a whole batch is refused by the source queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.core.errors import NotFound, UnprocessableEntity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.operations.ports import DeadLetterQueues

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
BATCH = 10  # SQS receives and sends at most ten at a time


@dataclass(frozen=True)
class Redrive:
    queue: str
    source: str
    moved: int
    refused: int  # taken but refused by the source queue: back in the DLQ after its timeout
    limit: int
    stopped: str  # "empty" | "limit" | "refused"

    def to_public(self) -> dict[str, object]:
        return {
            "queue": self.queue,
            "source": self.source,
            "moved": self.moved,
            "refused": self.refused,
            "limit": self.limit,
            "stopped": self.stopped,
        }


def source_of(known: Mapping[str, str | None], name: str) -> str:
    """The queue ``name`` is the dead-letter queue of; 404 for a name no queue has, 422
    for a queue that is not a dead-letter queue."""
    if name not in known:
        raise NotFound(
            f"no queue named {name!r}",
            {"field": "name", "value": name[:80], "known": sorted(known)},
        )
    source = known[name]
    if source is None:
        dead = sorted(n for n, s in known.items() if s is not None)
        raise UnprocessableEntity(
            f"{name!r} is not a dead-letter queue", {"field": "name", "dead_letter_queues": dead}
        )
    return source


def redrive(
    queues: DeadLetterQueues,
    known: Mapping[str, str | None],
    name: str,
    limit: int = DEFAULT_LIMIT,
) -> Redrive:
    """Move up to ``limit`` messages of dead-letter queue ``name`` back to its source.
    ``known``: every queue's name → the queue it is the dead-letter queue of (None)."""
    source = source_of(known, name)
    moved = refused = 0
    stopped = "limit"
    while moved + refused < limit:
        taken = queues.take(name, min(BATCH, limit - moved - refused))
        if not taken:
            stopped = "empty"
            break
        sent = queues.put_back(source, taken)
        if sent:
            queues.forget(name, sent)
        moved, refused = moved + len(sent), refused + len(taken) - len(sent)
        if not sent:
            stopped = "refused"
            break
    return Redrive(name, source, moved, refused, limit, stopped)
