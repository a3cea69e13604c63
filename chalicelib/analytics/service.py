"""Counting events into the real-time counters, exactly once per ``event_id``.

The cheap path counts a whole batch in a few transactions; any doubt (a redelivered event in
the batch, a storage error) falls back to counting event by event, which skips what is
already counted and lets the caller report the one event that failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.analytics.ports import CounterStore
    from chalicelib.core.events import Event


def count_batch(counters: CounterStore, events: list[Event]) -> bool:
    """True when the whole batch was counted at once (nothing left to do)."""
    return bool(events) and counters.apply_many(events)


def count_one(counters: CounterStore, event: Event) -> bool:
    """True when the event was counted now, False when it had been counted before."""
    return counters.apply_once(event)
