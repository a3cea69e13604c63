"""Builds the realtime feature's adapters and ports lazily (cached, typed, overridable by
name: tests put a recording pusher at ``realtime.pusher``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.realtime.ports import (
        Connections,
        Directory,
        Pusher,
        Subscriptions,
        Tickets,
    )
    from chalicelib.realtime.push import PushStats
    from chalicelib.realtime.service import RealtimePorts


@provider("realtime.connections")
def connections() -> Connections:
    from chalicelib.realtime.store import CONNECTIONS, DynamoConnections

    return DynamoConnections(CONNECTIONS.bind())


@provider("realtime.subscriptions")
def subscriptions() -> Subscriptions:
    from chalicelib.realtime.store import REALTIME, DynamoSubscriptions

    return DynamoSubscriptions(REALTIME.bind())


@provider("realtime.tickets")
def tickets() -> Tickets:
    from chalicelib.realtime.store import REALTIME, DynamoTickets

    return DynamoTickets(REALTIME.bind())


@provider("realtime.pusher")
def pusher() -> Pusher:
    from chalicelib.realtime.adapters import ManagementApiPusher, management_client

    endpoint, timeout = settings().websocket_endpoint, settings().websocket_push_timeout
    return ManagementApiPusher(management_client(endpoint, timeout) if endpoint else None)


@provider("realtime.directory")
def directory() -> Directory:
    from chalicelib.realtime.adapters import FeatureDirectory

    return FeatureDirectory()


@provider("realtime.ports")
def ports() -> RealtimePorts:
    from chalicelib.realtime.service import RealtimePorts

    return RealtimePorts(
        connections=connections(),
        subscriptions=subscriptions(),
        tickets=tickets(),
        pusher=pusher(),
        directory=directory(),
        clock=system_clock(),
    )


def handle_ws_event(event: dict[str, object]) -> dict[str, object]:
    """One API Gateway WebSocket event (``$connect``, ``$default``, ``$disconnect``)."""
    from chalicelib.realtime.service import handle

    return handle(ports(), event)


def enforce_auth_deadline(connection_id: str) -> bool:
    """Close a connection still unauthenticated (the local server calls it after 10 s)."""
    from chalicelib.realtime.service import enforce_deadline

    return enforce_deadline(ports(), connection_id)


def push_events(events: list[dict[str, object]]) -> int:
    """Push a batch of events and the tenants' totals (the events consumer); how many
    messages went out. Never raises for a push (logged and counted instead)."""
    from chalicelib.realtime.push import push_events as push

    return _counted(lambda: push(ports(), events))


def push_campaign_counters(events: list[dict[str, object]]) -> int:
    """Push the progress of the campaigns of a batch of events (the campaign reactions)."""
    from chalicelib.realtime.push import push_campaign_counters as push

    return _counted(lambda: push(ports(), events))


def _counted(run: Callable[[], PushStats]) -> int:
    from chalicelib.aws import powertools

    try:
        stats = run()
    except Exception:  # noqa: BLE001 - building the ports failed: pushing is best-effort
        powertools.logger().exception("realtime push failed")
        powertools.count("RealtimePushFailures")
        return 0
    for name, value in (
        ("RealtimePushes", stats.sent),
        ("RealtimeStaleConnections", stats.gone),
        ("RealtimePushFailures", stats.failed_tenants),
    ):
        if value:
            powertools.count(name, value)
    return stats.sent
