"""Domain events: the one envelope every event on the stream carries, and the publisher port.

``event_id``, ``type``, ``tenant_id``, ``occurred_at`` and ``schema_version``, then the
event's own typed fields at the top level. Schemas live in ``events/schemas/<type>.json``.
"""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.core import ids

Event = dict[str, Any]

SCHEMA_VERSION = 1
EVENT_TYPES = (
    "tenant.created",
    "tenant.updated",
    "api_key.created",
    "api_key.revoked",
    "notification.sent",
    "message.queued",
    "message.sending",
    "message.sent",
    "message.delivered",
    "message.deferred",
    "message.bounced",
    "message.failed",
    "message.suppressed",
    "message.cancelled",
    "recipient.suppressed",
    "message.opened",
    "message.clicked",
    "message.unsubscribed",
    "message.replied",
    "message.auto_replied",
    "message.complained",
    "server.circuit_opened",
    "server.circuit_closed",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "contact.erased",
    "campaign.created",
    "campaign.started",
    "campaign.paused",
    "campaign.resumed",
    "campaign.completed",
    "campaign.cancelled",
    "alert.raised",
    "warmup.decision",
    "webhook.test",
)


class EventPublisher(Protocol):
    """Puts events on the stream. The best-effort flavour logs and counts a failure instead
    of raising; the stored record stays the source of truth."""

    def publish(self, event: Event) -> None: ...

    def publish_many(self, events: list[Event]) -> None: ...


def new_event(event_type: str, tenant_id: str, occurred_at: str, **fields: Any) -> Event:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    return {
        "event_id": ids.new_sortable_id("evt"),
        "type": event_type,
        "tenant_id": tenant_id,
        "occurred_at": occurred_at,
        "schema_version": SCHEMA_VERSION,
        **fields,
    }
