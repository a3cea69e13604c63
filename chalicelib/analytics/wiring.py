"""Builds the analytics feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.analytics.ports import (
        AnalyticsReads,
        CounterStore,
        EngagementWrites,
        ProviderResolver,
    )

MX_TIMEOUT_SECONDS = 1.0  # counting never waits long on a recipient's DNS


@provider("analytics.counters")
def counters() -> CounterStore:
    """The counters, for reading (usage, caps) and for counting events that touch nothing
    but counters."""
    return counting_store(None)


def counting_store(engagement: EngagementWrites | None) -> CounterStore:
    """The counters with what other stores write in the same transaction."""
    from chalicelib.analytics.store import COUNTERS, MARKERS, DynamoCounterStore

    return DynamoCounterStore(COUNTERS.bind(), MARKERS.bind(), engagement)


@provider("analytics.reads")
def reads() -> AnalyticsReads:
    """The analytics counters by scope and day, steps, heatmap and breakdown."""
    from chalicelib.analytics.reads_store import DynamoAnalyticsReads
    from chalicelib.analytics.store import COUNTERS

    return DynamoAnalyticsReads(COUNTERS.bind())


@provider("analytics.providers")
def providers() -> ProviderResolver:
    """Recipient providers by MX, over the platform's configured resolver."""
    from chalicelib.analytics.mx import MxProviderResolver

    s = settings()
    timeout = min(s.dns_timeout, MX_TIMEOUT_SECONDS)
    return MxProviderResolver(s.dns_nameserver or None, s.dns_port, timeout)
