"""Time as the features see it: UTC ISO 8601 strings with a ``Z``, behind the ``Clock`` port."""

from __future__ import annotations

from datetime import UTC, datetime
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


@provider("core.clock")
def system_clock() -> Clock:
    """The clock every use case reads (tests move a fake one)."""
    return SystemClock()
