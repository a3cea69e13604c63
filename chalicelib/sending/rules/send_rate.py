"""The plan send rate (PRODUCT.md: 10/30/100/300 messages a second per tenant): how many of a
batch's messages may leave now, and how long each of the others waits.

Slots are counted per tenant in fixed windows of one real second (the local platform's time
scale does not touch them): a worker adds the number of messages it wants to send to the
window's counter in one atomic write and reads the total back. The messages that fall under
the plan rate go now; the others wait. A message at position ``p`` of the window (counting
every reservation made in it, this batch's included) would have its turn ``p // rate``
seconds from now if the tenant's demand kept arriving at this pace, so that is its delay,
with some jitter so that the waiting messages do not all come back in the same second, and
never more than SQS's 900 seconds. A message that comes back into a full window simply waits
again: waiting never drops a message, never uses one of its attempts and never changes its
status.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.core.plans import PLANS

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_WAIT_SECONDS = 900
WINDOW_KEEP_SECONDS = 120  # a window's counter is kept (TTL) this long after its second


@dataclass(frozen=True)
class Pacing:
    """``granted`` of the asked messages may leave now (the first ones, in order); the
    others wait ``delays[i]`` seconds each."""

    granted: int
    delays: tuple[int, ...]


def send_rate(plan: str) -> int:
    """Messages a second the plan allows; an unknown plan gets the smallest rate."""
    known = PLANS.get(plan)
    if known is None:
        return min(p.send_rate_per_second for p in PLANS.values())
    return known.send_rate_per_second


def window_of(epoch_seconds: float) -> int:
    """The one-second window a moment falls in."""
    return int(epoch_seconds)


def pace(rate: int, asked: int, total: int, jitter: Callable[[], float] = random.random) -> Pacing:
    """``asked`` messages were just reserved in a window that now holds ``total``
    reservations (theirs included): which go now, and the delay of each of the others."""
    before = total - asked
    granted = max(0, min(asked, rate - before))
    delays = tuple(wait_for(before + i, rate, jitter()) for i in range(granted, asked))
    return Pacing(granted, delays)


def wait_for(position: int, rate: int, jitter: float) -> int:
    """Seconds a message at ``position`` of a full window waits (``jitter`` in [0, 1)):
    its turn at this pace, plus up to half as much again, at least 1, at most 900."""
    ahead = max(1, position // max(1, rate))
    spread = int(jitter * (1 + ahead / 2))
    return min(MAX_WAIT_SECONDS, ahead + spread)
