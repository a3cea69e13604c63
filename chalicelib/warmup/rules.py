"""Warm-up decisions, pure: the plan's volume per warm-up day, a day's outcomes
(``DayStats``), the gate that decides tomorrow from yesterday (``decide``) and the spread
of a day's sends over the mailbox's sending hours (``spread``).

The gates (PRODUCT.md "Warm-up" and "Metrics"), checked in this order:

1. **pause** when the bounce rate is above 5 % or the complaint rate above 0.1 % (the
   alert thresholds); the day does not change.
2. **step_back** one plan day when any rate is at or above twice its gate threshold
   (bounces ≥ 4 %, complaints ≥ 0.1 %, deferrals ≥ 10 %).
3. **hold** when any rate is at or above its gate threshold (bounces 2 %, complaints
   0.05 %, deferrals 5 %), and also when the day had fewer than ``MIN_EVIDENCE`` (10)
   sends: so few messages are too little evidence that the mailbox takes more, so such a
   day never moves the volume up (a bad small day still pauses or steps back: one bounce
   in five is still a bounce).
4. otherwise **increase** to the next plan day, or **complete** when the day decided on
   is the plan's last (the first at the peak volume): the mailbox goes to campaigns with
   the peak as its daily cap.

Rates follow PRODUCT.md's metrics: bounce rate = bounced / sent, complaint (spam) rate =
complaints / delivered (delivered = sent − bounced), deferral rate = deferred / sent; a
rate with a zero denominator is 0. The warm-up's own ``day`` counter advances only on
increase (calendar days do not count here).
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from chalicelib.core.plans import WARMUP_PLANS, warmup_limit

PLAN_NAMES = tuple(WARMUP_PLANS)
MIN_EVIDENCE = 10  # sends a day needs before its volume may rise
POOL_COUNTERS = ("inbox", "spam", "rescued", "opened", "clicked", "replied")  # per sender day

Action = Literal["increase", "hold", "step_back", "pause", "complete"]


def ensure_plan(plan: str) -> str:
    if plan not in WARMUP_PLANS:
        raise ValueError(f"unknown warm-up plan {plan!r}; one of {', '.join(PLAN_NAMES)}")
    return plan


def last_day(plan: str) -> int:
    """The plan's last warm-up day: the first at its peak volume."""
    return WARMUP_PLANS[ensure_plan(plan)][0]


def volume(plan: str, day: int) -> int:
    """The plan's volume for warm-up day ``day`` (PRODUCT.md's formula)."""
    return warmup_limit(ensure_plan(plan), day)


@dataclass(frozen=True)
class Thresholds:
    """Gate thresholds (rise only under them) and pause thresholds (pause above them)."""

    bounce: float = 0.02
    complaint: float = 0.0005
    deferral: float = 0.05
    pause_bounce: float = 0.05
    pause_complaint: float = 0.001


@dataclass(frozen=True)
class DayStats:
    """What one warm-up day's mail did; ``inbox``/``spam`` are the pool's placement."""

    sent: int = 0
    bounced: int = 0
    complained: int = 0
    deferred: int = 0
    inbox: int = 0
    spam: int = 0
    opened: int = 0
    replied: int = 0
    rescued: int = 0  # moved by the pool from spam to the inbox
    clicked: int = 0

    @property
    def delivered(self) -> int:
        return max(self.sent - self.bounced, 0)

    @property
    def bounce_rate(self) -> float:
        return _rate(self.bounced, self.sent)

    @property
    def complaint_rate(self) -> float:
        return _rate(self.complained, self.delivered)

    @property
    def deferral_rate(self) -> float:
        return _rate(self.deferred, self.sent)

    @property
    def inbox_rate(self) -> float:
        return _rate(self.inbox, self.inbox + self.spam)

    def rates(self) -> dict[str, float]:
        return {
            "bounce_rate": self.bounce_rate,
            "complaint_rate": self.complaint_rate,
            "deferral_rate": self.deferral_rate,
            "inbox_rate": self.inbox_rate,
        }

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> DayStats:
        return cls(**{k: int(body.get(k, 0)) for k in cls.__dataclass_fields__})


def _rate(part: int, whole: int) -> float:
    return part / whole if whole > 0 else 0.0


@dataclass(frozen=True)
class Decision:
    action: Action
    next_day: int
    volume: int
    reason: str
    inputs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Decision:
        return cls(body["action"], body["next_day"], body["volume"], body["reason"], body["inputs"])


def decide(plan: str, day: int, yesterday: DayStats, limits: Thresholds | None = None) -> Decision:
    """Tomorrow's warm-up day and volume from warm-up day ``day``'s outcomes."""
    t = limits or Thresholds()
    inputs = _inputs(yesterday, t)
    rates = yesterday.rates()
    pause = _pause_reason(yesterday, t)
    if pause:
        return Decision("pause", day, 0, pause, inputs)
    over = _breaches(rates, t, factor=2.0)
    if over:
        back = max(day - 1, 0)
        why = f"{over} at or above twice its threshold: back to day {back}"
        return Decision("step_back", back, volume(plan, back), why, inputs)
    over = _breaches(rates, t, factor=1.0)
    if over:
        return Decision("hold", day, volume(plan, day), f"{over} at or above its threshold", inputs)
    if yesterday.sent < MIN_EVIDENCE:
        why = f"only {yesterday.sent} sends (fewer than {MIN_EVIDENCE}): too little evidence"
        return Decision("hold", day, volume(plan, day), why, inputs)
    if day >= last_day(plan):
        why = f"day {day} was the plan's last, every rate under its threshold"
        return Decision("complete", day, volume(plan, day), why, inputs)
    return Decision(
        "increase", day + 1, volume(plan, day + 1), "every rate under its threshold", inputs
    )


def _pause_reason(stats: DayStats, t: Thresholds) -> str:
    if stats.bounce_rate > t.pause_bounce:
        return f"bounce rate {stats.bounce_rate:.2%} above the pause threshold {t.pause_bounce:.2%}"
    if stats.complaint_rate > t.pause_complaint:
        return (
            f"complaint rate {stats.complaint_rate:.3%} above the pause threshold "
            f"{t.pause_complaint:.3%}"
        )
    return ""


def _breaches(rates: dict[str, float], t: Thresholds, factor: float) -> str:
    """The rates at or above ``factor`` × their gate threshold, as a phrase ('' if none)."""
    gates = {"bounce_rate": t.bounce, "complaint_rate": t.complaint, "deferral_rate": t.deferral}
    over = [
        f"{name.replace('_', ' ')} {rates[name]:.3%}"
        for name, limit in gates.items()
        if rates[name] >= limit * factor
    ]
    return ", ".join(over)


def _inputs(stats: DayStats, t: Thresholds) -> dict[str, Any]:
    return {**stats.to_dict(), **stats.rates(), "thresholds": asdict(t)}


def spread(
    count: int, window_start: datetime, window_end: datetime, seed: int | str
) -> list[datetime]:
    """``count`` send times inside ``[window_start, window_end)``, one in each of ``count``
    equal slots at a random offset: jittered like a person, never bunched, the same for
    the same seed; sorted, whole seconds."""
    if count < 0:
        raise ValueError("count must not be negative")
    span = (window_end - window_start).total_seconds()
    if span <= 0:
        raise ValueError("the sending window must end after it starts")
    rng = random.Random(str(seed))
    slot = span / count if count else span
    latest = math.ceil(span) - 1  # float rounding must never reach window_end
    offsets = (min(int(i * slot + rng.random() * slot), latest) for i in range(count))
    return sorted(window_start + timedelta(seconds=offset) for offset in offsets)
