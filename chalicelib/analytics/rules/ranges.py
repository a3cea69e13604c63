"""The read API's query parameters, checked: a range of days (``from``/``to``, default the
last 30 days up to today, at most 400 days), a metric (default ``sent``), a grouping (day,
ISO week starting on Monday, month) and the buckets of a range. Each bad value is a 400 or
422 naming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from chalicelib.analytics.rules.metrics import COUNT_METRICS, RATE_METRICS
from chalicelib.core.errors import BadRequest, UnprocessableEntity

if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_DAYS = 400
DEFAULT_DAYS = 30
GROUPS = ("day", "week", "month")


@dataclass(frozen=True)
class DayRange:
    first: str  # YYYY-MM-DD, inclusive
    last: str

    def days(self) -> list[str]:
        start, end = date.fromisoformat(self.first), date.fromisoformat(self.last)
        return [(start + timedelta(n)).isoformat() for n in range((end - start).days + 1)]

    def months(self) -> list[str]:
        return list(dict.fromkeys(d[:7] for d in self.days()))


def _day(name: str, raw: str) -> date:
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a date (YYYY-MM-DD)", {"field": name}) from exc


def parse_range(query: Mapping[str, str], today: date) -> DayRange:
    last = _day("to", query["to"]) if query.get("to") else today
    first = _day("from", query["from"]) if query.get("from") else last - timedelta(DEFAULT_DAYS - 1)
    if first > last:
        raise UnprocessableEntity("from must not be after to", {"field": "from"})
    if (last - first).days + 1 > MAX_DAYS:
        raise UnprocessableEntity(
            f"the range is longer than {MAX_DAYS} days", {"field": "from", "max_days": MAX_DAYS}
        )
    return DayRange(first.isoformat(), last.isoformat())


def parse_metric(raw: str | None) -> str:
    """A count or rate metric; ``sent`` when none is asked for."""
    if not raw:
        return "sent"
    if raw not in COUNT_METRICS and raw not in RATE_METRICS:
        raise BadRequest(f"unknown metric {raw[:40]!r}", {"field": "metric"})
    return raw


def parse_group(raw: str | None) -> str:
    if raw is None or raw == "":
        return "day"
    if raw not in GROUPS:
        raise BadRequest(f"group_by must be one of {', '.join(GROUPS)}", {"field": "group_by"})
    return raw


def bucket(day: str, group: str) -> str:
    """The bucket a day falls in: the day, its ISO week's Monday, or its month."""
    if group == "month":
        return day[:7]
    if group == "week":
        moment = date.fromisoformat(day)
        return (moment - timedelta(moment.weekday())).isoformat()
    return day
