"""Replay ranges: what may be asked for, and where its events are read. Events of the last
days come from the dispatcher's event log (DynamoDB, kept ``LOG_RETENTION``); older ones
from the analytics tier's event files, which keep event metadata ``RETENTION`` (400 days,
PRODUCT.md). A range that crosses the border is read in two phases, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core.clock import iso, parse_iso
from chalicelib.core.errors import UnprocessableEntity

RETENTION = timedelta(days=400)
LOG_RETENTION = timedelta(days=7)
LOG_BORDER = timedelta(days=6)  # newer than this: the log (a day's margin before its TTL)
FUTURE_SLACK = timedelta(minutes=1)
PHASES = ("archive", "log")


def _moment(value: str, name: str) -> datetime:
    try:
        moment = parse_iso(value)
    except ValueError:
        raise UnprocessableEntity(f"{name} is not an ISO 8601 time", {"field": name}) from None
    if moment.tzinfo is None:
        raise UnprocessableEntity(f"{name} must carry a time zone (Z)", {"field": name})
    return moment


def checked_range(first: str, last: str, now: datetime) -> tuple[str, str]:
    """``(from, to)`` normalised to ``…Z``; a 422 naming the field that breaks a rule."""
    start, end = _moment(first, "from"), _moment(last, "to")
    if end > now + FUTURE_SLACK:
        raise UnprocessableEntity("to is in the future", {"field": "to"})
    if start >= end:
        raise UnprocessableEntity("from must be before to", {"field": "from"})
    if start < now - RETENTION:
        raise UnprocessableEntity(
            "from is older than the 400 days events are kept", {"field": "from"}
        )
    return iso(start), iso(end)


@dataclass(frozen=True)
class Phase:
    source: str  # archive | log
    first: str
    last: str


def phases(first: str, last: str, now: datetime) -> list[Phase]:
    """The range split by source, oldest first (empty parts left out)."""
    border = iso(now - LOG_BORDER)
    found = []
    if first < border:
        found.append(Phase("archive", first, min(last, border)))
    if last > border:
        found.append(Phase("log", max(first, border), last))
    return found
