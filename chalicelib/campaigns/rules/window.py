"""A campaign's sending window: the weekdays and local hours in which a contact may be sent
to, read in the contact's time zone when it is known (and valid), else in the campaign's.
Nothing is sent outside it; ``next_open`` says when a contact's next chance comes.

Hours compare local wall-clock times: on the autumn night a zone sets its clocks back, the
local hour that happens twice is inside the window both times; an opening that falls in the
spring gap opens at the end of the gap (see ``local_time``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.campaigns.rules.local_time import aware, instant_at, wall, zone_named
from chalicelib.core.errors import UnprocessableEntity

if TYPE_CHECKING:
    from collections.abc import Sequence
    from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELD = "settings.window"
END_OF_DAY = "24:00"  # an ``end`` that closes the window at midnight
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# An allowed weekday comes within a week; a whole window inside a DST gap can lose one.
_SEARCH_DAYS = 15


@dataclass(frozen=True)
class Window:
    weekdays: frozenset[int]  # 0=Mon … 6=Sun
    start: time  # local time, inclusive
    end: time  # local time, exclusive; start < end
    time_zone: str  # campaign default IANA zone

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError(f"weekdays must be a non-empty subset of 0..6: {self.weekdays}")
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        zone_named(self.time_zone)


def effective_zone(window: Window, contact_zone: str | None) -> ZoneInfo:
    """The contact's zone when known and valid, else the campaign's."""
    if contact_zone:
        try:
            return zone_named(contact_zone)
        except ValueError:
            pass
    return zone_named(window.time_zone)


def is_open(window: Window, contact_zone: str | None, at: datetime) -> bool:
    return _open_in(window, effective_zone(window, contact_zone), aware(at))


def next_open(window: Window, contact_zone: str | None, at: datetime) -> datetime:
    """``at`` (in UTC) when the window is open then, else the next instant it opens."""
    at = aware(at)
    zone = effective_zone(window, contact_zone)
    if _open_in(window, zone, at):
        return at
    today = wall(at, zone).date()
    for offset in range(_SEARCH_DAYS):
        day = today + timedelta(days=offset)
        if day.weekday() not in window.weekdays:
            continue
        opening = instant_at(day, window.start, zone)
        if opening > at and _open_in(window, zone, opening):
            return opening
    raise ValueError(f"the window {window} never opens")  # impossible for a valid Window


def local_day(window: Window, contact_zone: str | None, at: datetime) -> str:
    """``YYYY-MM-DD`` of ``at`` in the effective zone (the day a daily limit counts)."""
    return wall(aware(at), effective_zone(window, contact_zone)).date().isoformat()


def _open_in(window: Window, zone: ZoneInfo, at: datetime) -> bool:
    local = wall(at, zone)
    return local.weekday() in window.weekdays and window.start <= local.time() < window.end


def parse_window(weekdays: Sequence[str | int], start: str, end: str, time_zone: str) -> Window:
    """A ``Window`` from the campaign settings' fields; ``UnprocessableEntity`` naming the
    field (``settings.window.start`` …) for anything a client got wrong. Weekdays are
    ``"mon"`` … ``"sun"`` or 0 (Monday) … 6; ``end`` may be ``"24:00"`` (midnight)."""
    days = _weekdays(weekdays)
    opens = _clock_time("start", start)
    closes = _clock_time("end", end, END_OF_DAY)
    if opens >= closes:
        raise _invalid("start", f"start ({start}) must be before end ({end})", start)
    try:
        zone_named(time_zone)
    except ValueError:
        raise _invalid("time_zone", f"unknown time zone {time_zone!r}", time_zone) from None
    return Window(weekdays=days, start=opens, end=closes, time_zone=time_zone)


def window_settings(window: Window) -> dict[str, Any]:
    """The settings fields ``parse_window`` reads, for a reply (the round trip is exact)."""
    end = END_OF_DAY if window.end == time.max else window.end.strftime("%H:%M")
    return {
        "weekdays": [WEEKDAY_NAMES[d] for d in sorted(window.weekdays)],
        "start": window.start.strftime("%H:%M"),
        "end": end,
        "time_zone": window.time_zone,
    }


def _weekdays(given: Sequence[str | int]) -> frozenset[int]:
    if isinstance(given, str | bytes) or not isinstance(given, list | tuple):
        raise _invalid("weekdays", "weekdays must be a list such as ['mon', 'tue']", given)
    if not given:
        raise _invalid("weekdays", "weekdays must name at least one day", given)
    return frozenset(_weekday(day) for day in given)


def _weekday(day: str | int) -> int:
    if isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6:
        return day
    if isinstance(day, str) and day.strip().lower() in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(day.strip().lower())
    raise _invalid("weekdays", f"unknown weekday {day!r} (use mon..sun or 0..6)", day)


def _clock_time(name: str, value: str, end_of_day: str | None = None) -> time:
    if end_of_day is not None and value == end_of_day:
        return time.max
    found = _CLOCK.match(value) if isinstance(value, str) else None
    if found is None:
        raise _invalid(name, f"{name} must be a time of day as HH:MM (00:00..23:59)", value)
    return time(int(found.group(1)), int(found.group(2)))


def _invalid(name: str, message: str, value: object) -> UnprocessableEntity:
    return UnprocessableEntity(
        f"{FIELD}.{name}: {message}", {"field": f"{FIELD}.{name}", "value": _shown(value)}
    )


def _shown(value: object) -> object:
    """The offending value as JSON can carry it (details end up in the error envelope)."""
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
