"""What a pool mailbox does with a warm-up message it received, planned ahead as timed
actions so it engages like a person: pure, deterministic for a seed and the message.

The rates are fractions of received messages (PRODUCT.md: opened ~70 %, clicked ~15 %,
replied ~5 %). A click or a reply needs an open, so they are drawn among opened messages
with the conditional chances ``click / open`` and ``reply / open``. Delays are counted from
the moment the message arrived:

- the mailbox looks at the message 5–120 minutes after it arrived; if it landed in spam it
  is moved to the inbox and flagged important then (always: teaching the provider's filter
  that the sender is wanted is the point of the pool), and opened then when it is opened;
- a click follows its open by 10 seconds to 5 minutes; warm-up mail has no tracked link, so
  a click is only counted in the warm-up metrics, never fetched;
- a reply is sent 1–48 hours after arrival, never before the open it needs.

Delays are drawn from a triangular law leaning to the short end, as people answer most mail
soon and some much later; every delay lies within its bounds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

ActionKind = Literal["rescue", "important", "open", "click", "reply"]
Folder = Literal["inbox", "spam"]
Bounds = tuple[timedelta, timedelta]


@dataclass(frozen=True)
class EngagementRates:
    open: float = 0.70
    click: float = 0.15
    reply: float = 0.05
    open_after: Bounds = (timedelta(minutes=5), timedelta(minutes=120))
    click_after_open: Bounds = (timedelta(seconds=10), timedelta(minutes=5))
    reply_after: Bounds = (timedelta(hours=1), timedelta(hours=48))

    def __post_init__(self) -> None:
        if not 0 <= self.open <= 1:
            raise ValueError("the open rate must be between 0 and 1")
        if not (0 <= self.click <= self.open and 0 <= self.reply <= self.open):
            raise ValueError("click and reply rates must be between 0 and the open rate")
        for low, high in (self.open_after, self.click_after_open, self.reply_after):
            if not timedelta(0) <= low <= high:
                raise ValueError("a delay's bounds must be ordered and not negative")
        if self.reply_after[1] < self.open_after[1]:
            raise ValueError("the longest reply delay must not be shorter than the longest open")


DEFAULT_RATES = EngagementRates()


@dataclass(frozen=True)
class ReceivedWarmup:
    message_id: str  # its Message-ID header, angle brackets included
    folder: Folder  # where it landed
    received_at: datetime


@dataclass(frozen=True)
class Action:
    at: datetime
    kind: ActionKind
    message_id: str


def plan_engagement(
    message: ReceivedWarmup, seed: str, rates: EngagementRates = DEFAULT_RATES
) -> tuple[Action, ...]:
    """The pool mailbox's actions on ``message``, in time order (at equal times: rescue,
    important, open)."""
    rng = random.Random(f"{seed}|{message.message_id}")
    seen_at = message.received_at + _delay(rng, rates.open_after)
    actions = []
    if message.folder == "spam":
        actions += [_act(seen_at, "rescue", message), _act(seen_at, "important", message)]
    if not _chance(rng, rates.open):
        return tuple(actions)
    actions.append(_act(seen_at, "open", message))
    if _chance(rng, rates.click / rates.open):
        actions.append(_act(seen_at + _delay(rng, rates.click_after_open), "click", message))
    if _chance(rng, rates.reply / rates.open):
        actions.append(_act(_reply_at(rng, message, seen_at, rates), "reply", message))
    return tuple(sorted(actions, key=lambda a: a.at))


def _act(at: datetime, kind: ActionKind, message: ReceivedWarmup) -> Action:
    return Action(at, kind, message.message_id)


def _chance(rng: random.Random, probability: float) -> bool:
    # Always draw, so one decision never shifts the draws of the next ones.
    return rng.random() < probability


def _delay(rng: random.Random, bounds: Bounds) -> timedelta:
    low, high = (b.total_seconds() for b in bounds)
    seconds = rng.triangular(low, high, low + (high - low) / 5)
    return timedelta(seconds=min(max(round(seconds), low), high))


def _reply_at(
    rng: random.Random, message: ReceivedWarmup, seen_at: datetime, rates: EngagementRates
) -> datetime:
    """At least a minute after the open (within the reply bounds, which end after the
    latest open)."""
    at = message.received_at + _delay(rng, rates.reply_after)
    latest = message.received_at + rates.reply_after[1]
    return max(at, min(seen_at + timedelta(minutes=1), latest))
