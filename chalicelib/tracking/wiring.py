"""Builds the tracking feature's ports lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import sending
from chalicelib.aws import powertools
from chalicelib.aws.best_effort import BestEffortEvents
from chalicelib.aws.outbox import outbox_events
from chalicelib.core.clock import system_clock
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.tracking.service import TrackingPorts


def _unsubscribe(claims: sending.TokenClaims, how: str) -> bool:
    return sending.unsubscribe(sending.unsubscribe_ports(), claims, how)


def _key_failure() -> None:
    powertools.logger().exception("tracking keys unavailable")


@provider("tracking.ports")
def ports() -> TrackingPorts:
    from chalicelib.tracking.service import TrackingPorts

    return TrackingPorts(
        keys=sending.tracking_keys,
        events=BestEffortEvents(outbox_events),
        clock=system_clock(),
        unsubscribe=_unsubscribe,
        on_key_failure=_key_failure,
    )
