"""In-memory twins of the analytics ports: ``FakeCounters`` (the ``CounterStore``: counter
items per (tenant, key), each event counted at most once per (tenant id, event id), a batch
refused chunk by chunk like the real store's transactions, ``chalicelib.analytics.store``),
``FakeAnalyticsReads`` (the ``AnalyticsReads`` over those items), ``FakeMessageFacts`` and
``FakeProviders``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chalicelib.analytics.rules import counted_name, scopes
from chalicelib.analytics.rules.counting import (
    Enrichment,
    MessageFacts,
    event_increments,
    merge,
)
from chalicelib.analytics.rules.metrics import attribute_metric, completed
from chalicelib.analytics.rules.providers import well_known
from chalicelib.core.events import Event

TRANSACTION_ITEMS = 100


class FakeCounters:
    """``values``: the per-tenant event counters by (tenant, period) and counted name
    (``message_sent``), as ``read`` gives them (tests may set them); ``items``: the analytics
    attributes by (tenant, key), as the real table holds them."""

    def __init__(self) -> None:
        self.counted: set[tuple[str, str]] = set()
        self.values: dict[tuple[str, str], dict[str, int]] = {}
        self.items: dict[tuple[str, str], dict[str, int]] = {}

    def _count(self, event: Event, enrichment: Enrichment | None) -> None:
        self.counted.add((event["tenant_id"], event["event_id"]))
        for key, adds in event_increments(event, enrichment).items():
            counters = {counted_name(a): n for a, n in adds.items() if counted_name(a)}
            metrics = {a: n for a, n in adds.items() if not counted_name(a)}
            for store, found in ((self.values, counters), (self.items, metrics)):
                if found:
                    bucket = store.setdefault((event["tenant_id"], key), {})
                    merge({key: bucket}, {key: found})

    def _seen(self, event: Event) -> bool:
        return (event["tenant_id"], event["event_id"]) in self.counted

    def apply_once(self, event: Event, enrichment: Enrichment | None = None) -> bool:
        """Count ``event`` unless it was counted before; True when counted now."""
        if self._seen(event):
            return False
        self._count(event, enrichment)
        return True

    def apply_many(
        self, events: list[Event], enrichments: Mapping[str, Enrichment] | None = None
    ) -> bool:
        """Count chunk by chunk (one transaction each in the real store); False at the first
        chunk holding an event counted before, with nothing of that chunk counted."""
        known = enrichments or {}
        for chunk in _chunks(events, known):
            if any(self._seen(e) for e in chunk):
                return False
            for event in chunk:
                self._count(event, known.get(event["event_id"]))
        return True

    def read(self, tenant_id: str, period: str) -> dict[str, int]:
        return dict(self.values.get((tenant_id, period), {}))


def _chunks(events: list[Event], enrichments: Mapping[str, Enrichment]) -> list[list[Event]]:
    """The real store's cut: markers plus distinct counter items within one transaction."""
    chunks: list[list[Event]] = []
    current: list[Event] = []
    items: set[str] = set()
    for event in events:
        adds = event_increments(event, enrichments.get(event["event_id"]))
        mine = {event["tenant_id"] + "#" + key for key in adds}
        if current and len(current) + 1 + len(items | mine) > TRANSACTION_ITEMS:
            chunks.append(current)
            current, items = [], set()
        current.append(event)
        items |= mine
    if current:
        chunks.append(current)
    return chunks


def _metrics(item: Mapping[str, int]) -> dict[str, int]:
    found = {attribute_metric(k): v for k, v in item.items()}
    return {k: v for k, v in found.items() if k is not None}


class FakeAnalyticsReads:
    """``AnalyticsReads`` over a ``FakeCounters``' items; ``requests`` counts the reads the
    real adapter would make (one per Query or BatchGetItem)."""

    def __init__(self, counters: FakeCounters) -> None:
        self._counters = counters
        self.requests = 0

    def _items(self, tenant_id: str) -> dict[str, dict[str, int]]:
        return {k: v for (t, k), v in self._counters.items.items() if t == tenant_id}

    def days(self, tenant_id: str, scope: str, first: str, last: str) -> dict[str, dict[str, int]]:
        self.requests += 1
        low, high = scopes.scope_day(scope, first), scopes.scope_day(scope, last)
        found = {}
        for key, item in sorted(self._items(tenant_id).items()):
            counts = _metrics(item)
            if low <= key <= high and counts:
                found[scopes.day_of(key)] = completed(counts)
        return found

    def steps(
        self, tenant_id: str, campaign_id: str
    ) -> dict[tuple[int, str | None], dict[str, int]]:
        self.requests += 1
        prefix = scopes.step_prefix(campaign_id)
        return {
            scopes.step_of(key): completed(_metrics(item))
            for key, item in sorted(self._items(tenant_id).items())
            if key.startswith(prefix)
        }

    def heat(self, tenant_id: str, months: Sequence[str]) -> dict[str, dict[tuple[int, int], int]]:
        self.requests += 1
        found: dict[str, dict[tuple[int, int], int]] = {"opens": {}, "clicks": {}}
        items = self._items(tenant_id)
        for month in dict.fromkeys(months):
            for name, value in items.get(scopes.heat_key(month), {}).items():
                cell = scopes.heat_cell(name)
                if cell is not None:
                    kind, weekday, hour = cell
                    found[kind][(weekday, hour)] = found[kind].get((weekday, hour), 0) + value
        return found

    def breakdown(
        self, tenant_id: str, first: str, last: str
    ) -> dict[str, dict[str, dict[str, int]]]:
        self.requests += 1
        low, high = scopes.breakdown_key(first), scopes.breakdown_key(last)
        sums: dict[str, dict[str, dict[str, int]]] = {"mailbox": {}, "domain": {}, "provider": {}}
        for key, item in self._items(tenant_id).items():
            if not low <= key <= high:
                continue
            for name, value in item.items():
                cell = scopes.breakdown_cell(name)
                if cell is not None:
                    kind, ident, metric = cell
                    bucket = sums[kind].setdefault(ident, {})
                    bucket[metric] = bucket.get(metric, 0) + value
        return {k: {i: completed(c) for i, c in v.items()} for k, v in sums.items()}


class FakeMessageFacts:
    """``MessageFactsSource`` from a dict of (tenant, message id) → facts; counts its calls."""

    def __init__(self, facts: Mapping[tuple[str, str], MessageFacts] | None = None) -> None:
        self.facts: dict[tuple[str, str], MessageFacts] = dict(facts or {})
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def __call__(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, MessageFacts]:
        self.calls.append((tenant_id, tuple(message_ids)))
        return {m: self.facts[(tenant_id, m)] for m in message_ids if (tenant_id, m) in self.facts}


class FakeProviders:
    """``ProviderResolver``: well-known domains, then ``mx`` (domain → provider), else other."""

    def __init__(self, mx: Mapping[str, str] | None = None) -> None:
        self.mx = dict(mx or {})
        self.asked: list[str] = []

    def provider(self, domain: str) -> str:
        self.asked.append(domain)
        return well_known(domain) or self.mx.get(domain, "other")
