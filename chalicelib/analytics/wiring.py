"""Builds the analytics feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.analytics.ports import CounterStore, EngagementWrites


@provider("analytics.counters")
def counters() -> CounterStore:
    """The counters, for reading (usage, caps) and for counting events that touch nothing
    but counters."""
    return counting_store(None)


def counting_store(engagement: EngagementWrites | None) -> CounterStore:
    """The counters with what other stores write in the same transaction."""
    from chalicelib.analytics.store import COUNTERS, MARKERS, DynamoCounterStore

    return DynamoCounterStore(COUNTERS.bind(), MARKERS.bind(), engagement)
