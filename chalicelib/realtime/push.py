"""Pushes to subscribers: every event of a batch to its tenant's, campaign's and message's
subscribers, then the counters that moved (the tenant's totals after the events consumer
counted; a campaign's progress after the campaign reactions moved it).

Cheap when nobody listens: one query per tenant of the batch (its subscriptions, all topics
at once), nothing more when it finds none. Fails soft: a push never fails the batch that
called it (each tenant's pushes are tried alone, logged and counted), one post that fails
(a timeout) costs that post only, never the batch's other pushes, and a connection that is
gone is forgotten with its subscriptions (stale cleanup)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from chalicelib.realtime import rules
from chalicelib.realtime.ports import Gone
from chalicelib.realtime.service import forget

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from chalicelib.realtime.service import RealtimePorts

log = logging.getLogger("penguinmails.realtime")
Event = dict[str, Any]


@dataclass
class PushStats:
    sent: int = 0
    gone: int = 0
    failed: int = 0  # posts that failed for another reason (a timeout): not retried
    failed_tenants: int = 0
    dead: set[str] = field(default_factory=set)  # found gone in this batch: skipped after


def by_tenant(events: Iterable[Mapping[str, Any]]) -> dict[str, list[Event]]:
    grouped: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if isinstance(event.get("tenant_id"), str):
            grouped[str(event["tenant_id"])].append(dict(event))
    return dict(grouped)


def push_events(ports: RealtimePorts, events: Iterable[Mapping[str, Any]]) -> PushStats:
    """Every event to its topics' subscribers, then the tenant's totals to ``tenant``."""
    stats = PushStats()
    for tenant_id, batch in by_tenant(events).items():
        _softly(stats, tenant_id, partial(_tenant_events, ports, tenant_id, batch, stats))
    return stats


def push_campaign_counters(ports: RealtimePorts, events: Iterable[Mapping[str, Any]]) -> PushStats:
    """The progress of every campaign the events belong to, to its subscribers."""
    stats = PushStats()
    for tenant_id, batch in by_tenant(events).items():
        _softly(stats, tenant_id, partial(_campaigns, ports, tenant_id, batch, stats))
    return stats


def _softly(stats: PushStats, tenant_id: str, work: Callable[[], None]) -> None:
    try:
        work()
    except Exception:  # noqa: BLE001 - pushing is best-effort: the batch must go on
        stats.failed_tenants += 1
        log.exception("realtime push failed", extra={"tenant_id": tenant_id})


def _tenant_events(
    ports: RealtimePorts, tenant_id: str, events: Sequence[Event], stats: PushStats
) -> None:
    listening = ports.subscriptions.of_tenant(tenant_id)
    if not listening:
        return
    campaigns = _campaigns_of(ports, tenant_id, events, listening)
    for event in events:
        for topic in rules.topics_of(event, campaigns.get(str(event.get("message_id")))):
            _send(ports, tenant_id, listening, topic, rules.event_push(topic, event), stats)
    if listening.get("tenant"):
        counters = ports.directory.tenant_counters(tenant_id)
        _send(ports, tenant_id, listening, "tenant", rules.counters_push("tenant", counters), stats)


def _campaigns(
    ports: RealtimePorts, tenant_id: str, events: Sequence[Event], stats: PushStats
) -> None:
    listening = ports.subscriptions.of_tenant(tenant_id)
    if not any(topic.startswith("campaign:") for topic in listening):
        return
    named = _campaigns_of(ports, tenant_id, events, listening)
    campaign_ids = {str(e["campaign_id"]) for e in events if e.get("campaign_id")}
    for campaign_id in sorted(campaign_ids | set(named.values())):
        topic = f"campaign:{campaign_id}"
        if not listening.get(topic):
            continue
        counters = ports.directory.campaign_counters(tenant_id, campaign_id)
        if counters is not None:
            _send(ports, tenant_id, listening, topic, rules.counters_push(topic, counters), stats)


def _campaigns_of(
    ports: RealtimePorts,
    tenant_id: str,
    events: Sequence[Event],
    listening: Mapping[str, list[str]],
) -> dict[str, str]:
    """message id → campaign id for events that do not name their campaign (opens and
    clicks), read only when someone listens to a campaign of this tenant."""
    if not any(topic.startswith("campaign:") for topic in listening):
        return {}
    unnamed = {
        str(e["message_id"]) for e in events if e.get("message_id") and not e.get("campaign_id")
    }
    return ports.directory.campaigns_of(tenant_id, sorted(unnamed)) if unnamed else {}


def _send(
    ports: RealtimePorts,
    tenant_id: str,
    listening: Mapping[str, list[str]],
    topic: str,
    message: Mapping[str, Any],
    stats: PushStats,
) -> None:
    payload = rules.encode(message)
    for connection_id in listening.get(topic, ()):
        if connection_id in stats.dead:
            continue
        try:
            ports.pusher.post(connection_id, payload)
            stats.sent += 1
        except Gone:
            stats.gone += 1
            stats.dead.add(connection_id)
            _cleanup(ports, tenant_id, listening, connection_id)
        except Exception:  # noqa: BLE001 - one lost push; the rest of the batch goes on
            stats.failed += 1
            log.warning("realtime post failed", extra={"tenant_id": tenant_id}, exc_info=True)


def _cleanup(
    ports: RealtimePorts, tenant_id: str, listening: Mapping[str, list[str]], connection_id: str
) -> None:
    """Forget a gone connection, and every subscription of it this tenant has (its record
    may already be gone)."""
    forget(ports, connection_id)
    topics = [topic for topic, ids in listening.items() if connection_id in ids]
    ports.subscriptions.remove(tenant_id, topics, connection_id)
