"""Counting events into the real-time counters, exactly once per ``event_id``.

The cheap path reads the facts of the batch's messages (one read per tenant and 100
messages), resolves each recipient domain's provider once, decides unique opens and clicks,
and counts the whole batch in a few transactions; any doubt (a redelivered event in the
batch, a message whose opens changed meanwhile, a storage error) falls back to counting event
by event, which reads its message again, skips what is already counted and lets the caller
report the one event that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.analytics.ports import EngagementChanged
from chalicelib.analytics.rules.counting import decide

if TYPE_CHECKING:
    from chalicelib.analytics.ports import CounterStore, MessageFactsSource, ProviderResolver
    from chalicelib.analytics.rules.counting import Enrichment, MessageFacts
    from chalicelib.core.events import Event

RECOUNT_TRIES = 5


@dataclass(frozen=True)
class Sources:
    """Where an event's context comes from: its message's facts and its recipient's provider."""

    facts: MessageFactsSource
    providers: ProviderResolver


def enrich(sources: Sources, events: list[Event]) -> dict[str, Enrichment]:
    """Each message event's enrichment by event id."""
    per_tenant: dict[str, list[str]] = {}
    for event in events:
        if event.get("message_id") and str(event.get("type", "")).startswith("message."):
            per_tenant.setdefault(event["tenant_id"], []).append(str(event["message_id"]))
    facts: dict[str, MessageFacts] = {}
    for tenant_id, message_ids in per_tenant.items():
        facts |= sources.facts(tenant_id, list(dict.fromkeys(message_ids)))
    domains = {f.recipient_domain for f in facts.values() if f.recipient_domain}
    providers = {d: sources.providers.provider(d) for d in sorted(domains)}
    return decide(events, facts, providers)


def count_batch(
    counters: CounterStore, events: list[Event], sources: Sources | None = None
) -> bool:
    """True when the whole batch was counted at once (nothing left to do)."""
    if not events:
        return False
    if sources is None:
        return counters.apply_many(events)
    return counters.apply_many(events, enrich(sources, events))


def count_one(counters: CounterStore, event: Event, sources: Sources | None = None) -> bool:
    """True when the event was counted now, False when it had been counted before. Its
    message is read again on each try, so a concurrent open or click is seen."""
    if sources is None:
        return counters.apply_once(event)
    for _ in range(RECOUNT_TRIES - 1):
        try:
            return counters.apply_once(event, enrich(sources, [event]).get(event["event_id"]))
        except EngagementChanged:
            continue
    return counters.apply_once(event, enrich(sources, [event]).get(event["event_id"]))
