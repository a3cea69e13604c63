"""What the redrive needs from a queue service: take parked messages out of a dead-letter
queue (hidden, not deleted), send copies to another queue, then delete the originals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Parked:
    """One message taken from a dead-letter queue: what a copy keeps (its body, its
    message attributes and, on a FIFO queue, its group and deduplication ids) and the
    receipt that deletes the original."""

    body: str
    receipt: str
    attributes: dict[str, Any] = field(default_factory=dict)
    group_id: str | None = None
    dedup_id: str | None = None


class DeadLetterQueues(Protocol):
    def take(self, queue: str, most: int) -> list[Parked]:
        """Up to ``most`` (at most 10) messages of ``queue``, hidden from other readers for
        a while (they come back if not forgotten); empty when none is visible."""
        ...

    def put_back(self, queue: str, parked: list[Parked]) -> list[Parked]:
        """Send a copy of each to ``queue``; returns the ones ``queue`` accepted."""
        ...

    def forget(self, queue: str, parked: list[Parked]) -> None:
        """Delete the originals from ``queue`` (the one they were taken from)."""
        ...
