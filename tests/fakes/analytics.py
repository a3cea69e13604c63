"""In-memory twin of the analytics ``CounterStore``: counters per (tenant, period), each event
counted at most once per (tenant id, event id), a batch refused chunk by chunk like the real
store's transactions (``chalicelib.analytics.store``)."""

from __future__ import annotations

from chalicelib.analytics.rules import counted_name, counter_attribute, counter_names
from chalicelib.core.events import Event

TRANSACTION_ITEMS = 100


class FakeCounters:
    def __init__(self) -> None:
        self.counted: set[tuple[str, str]] = set()
        self.values: dict[tuple[str, str], dict[str, int]] = {}

    def _count(self, event: Event) -> None:
        self.counted.add((event["tenant_id"], event["event_id"]))
        name = counted_name(counter_attribute(event["type"]))
        assert name is not None
        for period in counter_names(event):
            bucket = self.values.setdefault((event["tenant_id"], period), {})
            bucket[name] = bucket.get(name, 0) + 1

    def _seen(self, event: Event) -> bool:
        return (event["tenant_id"], event["event_id"]) in self.counted

    def apply_once(self, event: Event) -> bool:
        """Count ``event`` unless it was counted before; True when counted now."""
        if self._seen(event):
            return False
        self._count(event)
        return True

    def apply_many(self, events: list[Event]) -> bool:
        """Count chunk by chunk (one transaction each in the real store); False at the first
        chunk holding an event counted before, with nothing of that chunk counted."""
        for chunk in _chunks(events):
            if any(self._seen(e) for e in chunk):
                return False
            for event in chunk:
                self._count(event)
        return True

    def read(self, tenant_id: str, period: str) -> dict[str, int]:
        return dict(self.values.get((tenant_id, period), {}))


def _chunks(events: list[Event]) -> list[list[Event]]:
    """The real store's cut: markers plus distinct counter items within one transaction."""
    chunks: list[list[Event]] = []
    current: list[Event] = []
    items: set[str] = set()
    for event in events:
        mine = {event["tenant_id"] + "#" + p for p in counter_names(event)}
        if current and len(current) + 1 + len(items | mine) > TRANSACTION_ITEMS:
            chunks.append(current)
            current, items = [], set()
        current.append(event)
        items |= mine
    if current:
        chunks.append(current)
    return chunks
