"""Domain events: the one envelope every event on the stream carries.

``event_id``, ``type``, ``tenant_id``, ``occurred_at`` and ``schema_version``, then the
event's own typed fields at the top level. Schemas live in ``events/schemas/<type>.json``.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain import ids

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
)


def new_event(event_type: str, tenant_id: str, occurred_at: str, **fields: Any) -> dict[str, Any]:
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


def counter_names(event: dict[str, Any]) -> list[str]:
    """Which per-tenant counters an event moves: its type, per month and per day."""
    day = str(event["occurred_at"])[:10]
    names = [f"month#{day[:7]}", f"day#{day}"]
    if event.get("type") == "message.sent" and event.get("mailbox_id"):
        names.append(f"mailbox#{event['mailbox_id']}#day#{day}")
    return names
