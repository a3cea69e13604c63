"""Builds the warm-up pool worker's adapters lazily (cached, overridable by name): its
receiving store and its ports (the pool index, the members' inboxes, the signed senders,
replies through the send path)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.warmup.pool import PoolPorts, ReceivedStore


@provider("warmup.pool_store")
def pool_store() -> ReceivedStore:
    from chalicelib.warmup.pool_store import POOL, DynamoPoolStore

    return DynamoPoolStore(POOL.bind())


@provider("warmup.pool_ports")
def pool_ports() -> PoolPorts:
    from chalicelib.warmup import wiring
    from chalicelib.warmup.pool import PoolPorts
    from chalicelib.warmup.pool_links import (
        MailboxInboxes,
        PoolIndex,
        SendPathReplies,
        SignedSenders,
    )

    return PoolPorts(
        directory=PoolIndex(wiring.pool()),
        inboxes=MailboxInboxes(),
        senders=SignedSenders(),
        replies=SendPathReplies(wiring.store()),
        store=pool_store(),
        clock=system_clock(),
        day_seconds=float(settings().warmup_day_seconds),
    )


def run_pool() -> dict[str, Any]:
    """One pass of the pool (``pool.run``), as the schedule's function reports it."""
    from chalicelib.warmup import pool

    return pool.run(pool_ports()).to_dict()
