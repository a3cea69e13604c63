"""The spam-rate forecast: the Theil–Sen trend of a mailbox's daily spam rate over the last
``WINDOW_DAYS`` days, and the day that trend crosses ``LIMIT`` (0.3 %, where mailbox providers
start filtering). If that day falls within ``HORIZON_DAYS`` (or the rate is over the limit
already) the decision is ``throttle``: the mailbox's daily cap is cut by ``CUT`` (half, never
below ``MIN_CAP``) so the mailbox slows down before it gets there.

Theil–Sen (the median of the pairwise slopes) rather than least squares: one day with two
complaints out of fifty moves a least-squares line a lot and the median of slopes hardly at
all, and daily spam rates are exactly that kind of lumpy data. Days with fewer than
``MIN_DAY_DELIVERED`` delivered carry no rate; fewer than ``MIN_POINTS`` rated days is no
forecast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import TYPE_CHECKING, Any

from chalicelib.health.rules.rates import delivered, rates

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

LIMIT = 0.003
WINDOW_DAYS = 14
HORIZON_DAYS = 7
MIN_POINTS = 5
MIN_DAY_DELIVERED = 20
CUT = 0.5
MIN_CAP = 5


@dataclass(frozen=True)
class Forecast:
    inputs: list[dict[str, Any]]
    slope_per_day: float | None
    today_fitted: float | None
    crossing_day: str | None
    days_until: int | None
    decision: str  # throttle | ok | no_data

    def to_public(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "method": "theil-sen",
            "limit": LIMIT,
            "horizon_days": HORIZON_DAYS,
            "slope_per_day": None if self.slope_per_day is None else round(self.slope_per_day, 6),
            "today_fitted": None if self.today_fitted is None else round(self.today_fitted, 5),
            "crossing_day": self.crossing_day,
            "days_until": self.days_until,
            "decision": self.decision,
        }


def theil_sen(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """(slope, intercept) of the median pairwise slope and the median residual."""
    slopes = [
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(points)
        for x2, y2 in points[i + 1 :]
        if x2 != x1
    ]
    slope = median(slopes)
    return slope, median(y - slope * x for x, y in points)


def _series(days: Mapping[str, Mapping[str, int]], today: str) -> list[tuple[str, float | None]]:
    first = date.fromisoformat(today) - timedelta(days=WINDOW_DAYS - 1)
    wanted = [(first + timedelta(days=i)).isoformat() for i in range(WINDOW_DAYS)]
    found = []
    for day in wanted:
        counts = days.get(day, {})
        enough = delivered(counts) >= MIN_DAY_DELIVERED
        found.append((day, rates(counts)["spam_rate"] if enough else None))
    return found


def forecast(days: Mapping[str, Mapping[str, int]], today: str) -> Forecast:
    """The forecast from ``days`` ({day: counts}) up to ``today`` (``YYYY-MM-DD``)."""
    series = _series(days, today)
    inputs = [{"day": d, "spam_rate": r} for d, r in series]
    origin = date.fromisoformat(today)
    points = [(float((date.fromisoformat(d) - origin).days), r) for d, r in series if r is not None]
    if len(points) < MIN_POINTS:
        return Forecast(inputs, None, None, None, None, "no_data")
    slope, intercept = theil_sen(points)  # x = 0 is today, so the intercept is today's fit
    if intercept >= LIMIT:
        return Forecast(inputs, slope, intercept, today, 0, "throttle")
    if slope <= 0:
        return Forecast(inputs, slope, intercept, None, None, "ok")
    until = math.ceil((LIMIT - intercept) / slope)
    crossing = (origin + timedelta(days=until)).isoformat()
    decision = "throttle" if until <= HORIZON_DAYS else "ok"
    return Forecast(inputs, slope, intercept, crossing, until, decision)


def throttled_cap(daily_limit: int) -> int:
    """The daily cap after a throttle: cut by ``CUT``, never below ``MIN_CAP`` (nor raised)."""
    return min(daily_limit, max(MIN_CAP, int(daily_limit * CUT)))
