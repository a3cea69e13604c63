"""Builds the warm-up pool's adapters lazily (cached, overridable by name): its receiving
store, the pool mailboxes' inboxes (IMAP, or the local inbox on the local platform)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.warmup.pool import ReceivedStore


@provider("warmup.pool_store")
def pool_store() -> ReceivedStore:
    from chalicelib.warmup.pool_store import POOL, DynamoPoolStore

    return DynamoPoolStore(POOL.bind())
