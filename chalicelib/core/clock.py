"""Time as the features see it: UTC ISO 8601 strings with a ``Z``, behind the ``Clock`` port.

``system_clock`` (provider ``core.clock``) is the system's clock everywhere it is deployed.
``OffsetClock`` is the system's clock moved forward by an offset that can grow: the local
platform installs one as ``core.clock`` so that a campaign's days pass in minutes
(``POST /local/clock``); only code that reads the time through ``core.clock`` moves with it.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chalicelib.core.wiring import provider


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    """An ISO 8601 time as we write it (``…Z``), or with an offset."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Clock(Protocol):
    def now(self) -> datetime: ...

    def now_iso(self) -> str: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def now_iso(self) -> str:
        return iso(self.now())


class OffsetClock:
    """``base`` (the system clock unless given) plus an offset that only grows, so the time
    it tells never goes back. Thread-safe: the local platform's request threads and event
    pumps read it while a request advances it."""

    def __init__(self, base: Clock | None = None, offset: timedelta = timedelta(0)) -> None:
        if offset < timedelta(0):
            raise ValueError("the offset cannot be negative: time never goes back")
        self._base = base if base is not None else SystemClock()
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> timedelta:
        """Move the clock ``seconds`` (> 0) forward; the offset it has now."""
        if not (seconds > 0 and math.isfinite(seconds)):
            raise ValueError(f"advance by a positive number of seconds, not {seconds!r}")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            return self._offset

    def now(self) -> datetime:
        return self._base.now() + self.offset

    def now_iso(self) -> str:
        return iso(self.now())


@provider("core.clock")
def system_clock() -> Clock:
    """The clock every use case reads (tests move a fake one)."""
    return SystemClock()
