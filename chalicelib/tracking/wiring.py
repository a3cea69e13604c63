"""Builds the tracking feature's ports lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import sending
from chalicelib.aws import clients, powertools
from chalicelib.aws.best_effort import BestEffortEvents
from chalicelib.aws.outbox import outbox_events
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.tracking.ports import RecentClicks
    from chalicelib.tracking.service import TrackingPorts


def _unsubscribe(claims: sending.TokenClaims, how: str) -> bool:
    return sending.unsubscribe(sending.unsubscribe_ports(), claims, how)


def _key_failure() -> None:
    powertools.logger().exception("tracking keys unavailable")


def _store_failure(error: Exception) -> None:
    powertools.logger().warning(
        "recent clicks unavailable; verdict without them", extra={"error": repr(error)[:300]}
    )
    powertools.count("TrackingStoreFailures")


@provider("tracking.recent_clicks")
def recent_clicks() -> RecentClicks:
    from chalicelib.aws.dynamodb import Table
    from chalicelib.tracking.store import CLICKS, DynamoRecentClicks

    return DynamoRecentClicks(Table(settings().table(CLICKS.table), clients.dynamodb_quick()))


@provider("tracking.ports")
def ports() -> TrackingPorts:
    from chalicelib.tracking.service import TrackingPorts

    return TrackingPorts(
        keys=sending.tracking_keys,
        events=BestEffortEvents(outbox_events),
        clock=system_clock(),
        unsubscribe=_unsubscribe,
        on_key_failure=_key_failure,
        recent_clicks=recent_clicks(),
        on_store_failure=_store_failure,
    )
