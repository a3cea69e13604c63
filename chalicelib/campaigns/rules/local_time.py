"""Wall-clock arithmetic the campaign rules share: a zone by its IANA name, and the instant
a local date and time of day stands for, across daylight-saving gaps and folds.

A local time that happens twice (the autumn fold) is its first occurrence; one that never
happens (the spring gap) is the first instant whose local time is later, the end of the gap:
a window opening at 02:30 on the day Berlin jumps from 02:00 to 03:00 opens at 03:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Keys zoneinfo resolves on some machines that are not IANA zone names.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1024)
def zone_named(name: str) -> ZoneInfo:
    """The zone ``name`` (``Europe/Berlin``); ``ValueError`` when it is no IANA zone."""
    if not isinstance(name, str) or name in _NOT_ZONES:
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def aware(at: datetime) -> datetime:
    """``at`` in UTC; a naive time is a programming error (whose zone would it be?)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a time zone-aware datetime is required")
    return at.astimezone(UTC)


def wall(at: datetime, zone: ZoneInfo) -> datetime:
    """The naive local date and time ``at`` shows in ``zone``."""
    return at.astimezone(zone).replace(tzinfo=None)


def instant_at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the local time in ``zone`` on ``day`` is ``clock``
    or, when ``clock`` falls in a gap, later."""
    local = datetime.combine(day, clock)
    candidates = [local.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1)]
    real = [c for c in candidates if wall(c, zone) == local]
    if real:
        return min(real)
    return _end_of_gap(min(candidates), max(candidates), local, zone)


def _end_of_gap(before: datetime, after: datetime, local: datetime, zone: ZoneInfo) -> datetime:
    """The first whole second in ``(before, after]`` whose local time is at least ``local``
    (zoneinfo does not expose its transitions; a binary search over an hour is 12 steps)."""
    low, high = 0, int((after - before).total_seconds())
    while low < high:
        middle = (low + high) // 2
        if wall(before + timedelta(seconds=middle), zone) >= local:
            high = middle
        else:
            low = middle + 1
    return before + timedelta(seconds=low)
