"""Faults the running local platform can be told to show (never deployed), so a test or an
operator can watch the system ride them out: ``events_stream`` makes every write to the
Kinesis events stream fail, as an outage of the stream would, until it is switched off.

The switch wraps the stream publisher the outbox relay uses (the only writer of the stream),
installed once when the platform starts; nothing else changes.
"""

from __future__ import annotations

import threading
from typing import Any

KNOWN = ("events_stream",)


class StreamOutage(ConnectionError):
    """What the events stream answers while the fault is on."""


class Faults:
    def __init__(self) -> None:
        self._on: set[str] = set()
        self._lock = threading.Lock()
        self.refused = 0  # writes refused while a fault was on

    def set(self, name: str, on: bool) -> None:
        if name not in KNOWN:
            raise KeyError(name)
        with self._lock:
            (self._on.add if on else self._on.discard)(name)

    def is_on(self, name: str) -> bool:
        return name in self._on

    def state(self) -> dict[str, Any]:
        return {"on": sorted(self._on), "known": list(KNOWN), "refused": self.refused}

    def refuse_if_on(self, name: str) -> None:
        if name in self._on:
            with self._lock:
                self.refused += 1
            raise StreamOutage(f"local fault {name!r} is on")

    def install(self) -> None:
        """Put the switchable publisher in front of the real stream publisher."""
        from chalicelib.core import wiring

        wiring.override("aws.events", _Switchable(self))


class _Switchable:
    def __init__(self, faults: Faults) -> None:
        self._faults = faults
        self._real: Any = None

    def _inner(self) -> Any:
        if self._real is None:
            from chalicelib.aws import clients
            from chalicelib.aws.kinesis import KinesisEventPublisher
            from chalicelib.core.settings import settings

            self._real = KinesisEventPublisher(clients.kinesis(), settings().events_stream)
        return self._real

    def publish(self, event: dict[str, Any]) -> None:
        self._faults.refuse_if_on("events_stream")
        self._inner().publish(event)

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        self._faults.refuse_if_on("events_stream")
        self._inner().publish_many(events)
