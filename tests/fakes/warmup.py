"""In-memory twins of the warm-up ports: the warm-up store (same optimistic lock as the
real one), the mailboxes link and a workflow that records what it was asked."""

from __future__ import annotations

import dataclasses

from chalicelib.warmup.records import StaleWarmup, Warmup


class FakeWarmups:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Warmup] = {}

    def get(self, tenant_id: str, mailbox_id: str) -> Warmup | None:
        return self.items.get((tenant_id, mailbox_id))

    def save(self, warmup: Warmup) -> Warmup:
        current = self.items.get((warmup.tenant_id, warmup.mailbox_id))
        if (current.version if current else 0) != warmup.version:
            raise StaleWarmup(warmup.mailbox_id)
        saved = dataclasses.replace(warmup, version=warmup.version + 1)
        self.items[(warmup.tenant_id, warmup.mailbox_id)] = saved
        return saved
