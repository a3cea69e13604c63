"""The rates the health rules read, from day counts (PRODUCT.md "Metrics").

A private minimal copy of the analytics feature's ``rules.metrics.rates`` (same names, same
formulas, floats 0..1 rounded to 4 places, None when the denominator is 0), plus the
``deferral_rate`` (deferred / sent) that the warm-up rules and the detector need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

Counts = dict[str, int]


def _ratio(top: int, bottom: int) -> float | None:
    return round(top / bottom, 4) if bottom > 0 else None


def delivered(counts: Mapping[str, int]) -> int:
    return max(counts.get("sent", 0) - counts.get("bounced", 0), 0)


def rates(counts: Mapping[str, int]) -> dict[str, float | None]:
    sent, ok = counts.get("sent", 0), delivered(counts)
    return {
        "bounce_rate": _ratio(counts.get("bounced", 0), sent),
        "deferral_rate": _ratio(counts.get("deferred", 0), sent),
        "open_rate": _ratio(counts.get("unique_opens", 0), ok),
        "reply_rate": _ratio(counts.get("replies", 0), ok),
        "spam_rate": _ratio(counts.get("complaints", 0), ok),
    }


def summed(days: Iterable[Mapping[str, int]]) -> Counts:
    """The counts of several days added up."""
    total: Counts = {}
    for counts in days:
        for name, value in counts.items():
            total[name] = total.get(name, 0) + int(value)
    return total
