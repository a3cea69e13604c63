"""In-memory twins of the realtime ports: connections, subscriptions and tickets like
``chalicelib.realtime.store``; a pusher that records what it sent (``gone`` connections
raise ``Gone``); a directory of the other features' answers set by the test."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.realtime.ports import Connection, Gone, Ticket


class FakeConnections:
    def __init__(self) -> None:
        self.items: dict[str, Connection] = {}

    def open(self, connection: Connection) -> None:
        self.items[connection.connection_id] = connection

    def get(self, connection_id: str) -> Connection | None:
        return self.items.get(connection_id)

    def authenticate(self, connection_id: str, tenant_id: str, key_id: str, at: str) -> None:
        found = self.items[connection_id]
        self.items[connection_id] = replace(found, tenant_id=tenant_id, key_id=key_id, last_seen=at)

    def set_topic(self, connection_id: str, topic: str, on: bool, at: str) -> None:
        found = self.items[connection_id]
        topics = found.topics | {topic} if on else found.topics - {topic}
        self.items[connection_id] = replace(found, topics=topics, last_seen=at)

    def delete(self, connection_id: str) -> Connection | None:
        return self.items.pop(connection_id, None)


class FakeSubscriptions:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], int] = {}  # (tenant, topic, connection) → TTL
        self.queries = 0

    def add(self, tenant_id: str, topic: str, connection_id: str, expires_at: int) -> None:
        self.items[(tenant_id, topic, connection_id)] = expires_at

    def remove(self, tenant_id: str, topics: Iterable[str], connection_id: str) -> None:
        for topic in topics:
            self.items.pop((tenant_id, topic, connection_id), None)

    def of_tenant(self, tenant_id: str) -> dict[str, list[str]]:
        self.queries += 1
        found: dict[str, list[str]] = {}
        for tenant, topic, connection_id in sorted(self.items):
            if tenant == tenant_id:
                found.setdefault(topic, []).append(connection_id)
        return found


class FakeTickets:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Ticket] = {}

    def put(self, ticket_hash: str, ticket: Ticket) -> None:
        self.items[(ticket.tenant_id, ticket_hash)] = ticket

    def take(self, tenant_id: str, ticket_hash: str) -> Ticket | None:
        return self.items.pop((tenant_id, ticket_hash), None)


class RecordingPusher:
    """What was sent to which connection (decoded); ``gone`` ids raise ``Gone``, ``closed``
    lists the connections closed (DeleteConnection); ``broken`` makes every post fail,
    ``failing`` holds the ids whose next post fails once (a timeout)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.gone: set[str] = set()
        self.closed: list[str] = []
        self.broken = False
        self.failing: set[str] = set()

    def post(self, connection_id: str, payload: bytes) -> None:
        if self.broken:
            raise ConnectionError("the Management API is down")
        if connection_id in self.failing:
            self.failing.discard(connection_id)
            raise TimeoutError(f"no answer for {connection_id}")
        if connection_id in self.gone:
            raise Gone(connection_id)
        self.sent.append((connection_id, json.loads(payload)))

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)

    def to(self, connection_id: str) -> list[dict[str, Any]]:
        return [m for c, m in self.sent if c == connection_id]


@dataclass
class FakeDirectory:
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # api key → (tenant, key id)
    campaigns: set[tuple[str, str]] = field(default_factory=set)
    messages: dict[tuple[str, str], str | None] = field(default_factory=dict)  # → campaign
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)  # campaign → counters
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)  # tenant → counters

    def key_owner(self, api_key: str) -> tuple[str, str] | None:
        return self.keys.get(api_key)

    def campaign_exists(self, tenant_id: str, campaign_id: str) -> bool:
        return (tenant_id, campaign_id) in self.campaigns

    def message_exists(self, tenant_id: str, message_id: str) -> bool:
        return (tenant_id, message_id) in self.messages

    def campaigns_of(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, str]:
        found = {m: self.messages.get((tenant_id, m)) for m in message_ids}
        return {m: c for m, c in found.items() if c}

    def campaign_counters(self, tenant_id: str, campaign_id: str) -> dict[str, Any] | None:
        if (tenant_id, campaign_id) not in self.campaigns:
            return None
        return self.progress.get(campaign_id, {"enrolled": 0})

    def tenant_counters(self, tenant_id: str) -> dict[str, Any]:
        return self.totals.get(tenant_id, {"counts": {}})
