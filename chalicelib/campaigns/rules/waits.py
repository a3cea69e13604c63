"""A wait step: when the step after it falls due. Hours are elapsed time (a 24-hour wait
over the spring DST night is still 24 hours); business days count Monday to Friday in the
contact's zone and keep the local time of day, so "2 business days" after Friday 10:00 is
Tuesday 10:00 even when the clocks changed over the weekend. Public holidays are not known.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.campaigns.rules.local_time import aware, instant_at, wall

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

SATURDAY = 5


def after_wait(
    at: datetime, hours: int | None, business_days: int | None, zone: ZoneInfo
) -> datetime:
    """The instant (UTC) a wait of ``hours`` or of ``business_days`` that starts ``at``
    ends; exactly one of them is given, and it is above zero."""
    at = aware(at)
    if (hours is None) == (business_days is None):
        raise ValueError("a wait is either hours or business_days, exactly one of them")
    if hours is not None:
        return at + timedelta(hours=_positive("hours", hours))
    return _business_days_later(at, _positive("business_days", business_days), zone)


def is_business_day(at: datetime, zone: ZoneInfo) -> bool:
    return wall(aware(at), zone).weekday() < SATURDAY


def _business_days_later(at: datetime, days: int, zone: ZoneInfo) -> datetime:
    """Step a day at a time and count only weekdays: from a Saturday, one business day is
    the Monday."""
    local = wall(at, zone)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        counted += day.weekday() < SATURDAY
    return instant_at(day, local.time(), zone)


def _positive(name: str, value: int | None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a whole number above zero, not {value!r}")
    return value
