"""The analytics metrics: the counts the counters keep and the rates that follow from them
(PRODUCT.md "Metrics"). Every count is stored as the attribute ``m_<metric>`` (warm-up mail,
counted per mailbox only, as ``m_warmup_<metric>``), so names map 1:1 both ways; ``delivered``
is not stored but derived (sent − bounced), as PRODUCT.md defines it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

COUNT_METRICS: tuple[str, ...] = (
    "sent",
    "delivered",
    "bounced",
    "opens_human",
    "opens_machine",
    "unique_opens",
    "clicks_human",
    "clicks_machine",
    "unique_clicks",
    "replies",
    "complaints",
    "unsubscribes",
    "deferred",
)
RATE_METRICS: tuple[str, ...] = (
    "delivery_rate",
    "bounce_rate",
    "open_rate",
    "click_rate",
    "click_to_open_rate",
    "reply_rate",
    "spam_rate",
    "unsubscribe_rate",
)
DERIVED: frozenset[str] = frozenset({"delivered"})
STORED_METRICS: tuple[str, ...] = tuple(m for m in COUNT_METRICS if m not in DERIVED)
WARMUP = "warmup_"
ATTRIBUTE = "m_"

# rate → (numerator, denominator)
_RATES: dict[str, tuple[str, str]] = {
    "delivery_rate": ("delivered", "sent"),
    "bounce_rate": ("bounced", "sent"),
    "open_rate": ("unique_opens", "delivered"),
    "click_rate": ("unique_clicks", "delivered"),
    "click_to_open_rate": ("unique_clicks", "unique_opens"),
    "reply_rate": ("replies", "delivered"),
    "spam_rate": ("complaints", "delivered"),
    "unsubscribe_rate": ("unsubscribes", "delivered"),
}


def delivered(counts: Mapping[str, int]) -> int:
    """sent − bounced, never below 0 (a bounce can come on a later day than its send)."""
    return max(int(counts.get("sent", 0)) - int(counts.get("bounced", 0)), 0)


def completed(counts: Mapping[str, int]) -> dict[str, int]:
    """Every count metric (0 where absent), ``delivered`` derived; other names kept."""
    found = {name: int(counts.get(name, 0)) for name in STORED_METRICS}
    found |= {k: int(v) for k, v in counts.items() if k not in found and k not in DERIVED}
    found["delivered"] = delivered(found)
    return {
        name: found[name] for name in (*COUNT_METRICS, *sorted(set(found) - set(COUNT_METRICS)))
    }


def rates(counts: Mapping[str, int]) -> dict[str, float | None]:
    """Every rate of ``counts`` (0..1, 4 places), None where the denominator is 0.
    ``delivered`` is always sent − bounced."""
    full = {**counts, "delivered": delivered(counts)}
    found: dict[str, float | None] = {}
    for rate, (numerator, denominator) in _RATES.items():
        below = int(full.get(denominator, 0))
        found[rate] = round(int(full.get(numerator, 0)) / below, 4) if below > 0 else None
    return found


def summed(days: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Counts over several days, ``delivered`` recomputed from the sums."""
    total: dict[str, int] = {}
    for counts in days:
        for name, value in counts.items():
            if name not in DERIVED:
                total[name] = total.get(name, 0) + int(value)
    return completed(total)


def metric_attribute(metric: str, warmup: bool = False) -> str:
    """The attribute a count is stored in: ``sent`` → ``m_sent``, warm-up ``m_warmup_sent``."""
    return ATTRIBUTE + (WARMUP if warmup else "") + metric


def attribute_metric(attribute: str) -> str | None:
    """The metric an attribute stores (``m_warmup_sent`` → ``warmup_sent``), else None."""
    return attribute[len(ATTRIBUTE) :] if attribute.startswith(ATTRIBUTE) else None
