"""The webhooks feature's records: an endpoint (where, which events, enabled, health), a
delivery (one event to one endpoint, with its attempts) and a replay job (a past range sent
again), and their public forms. Ids: ``whk_…`` endpoints, ``wdl_…`` deliveries (derived from
the endpoint, the event and the replay job, so the same pair makes the same id),
``wrp_…`` replay jobs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.core import ids
from chalicelib.core.clock import parse_iso
from chalicelib.core.errors import UnprocessableEntity
from chalicelib.core.events import EVENT_TYPES

TEST_EVENT = "webhook.test"
DELIVERY_STATUSES = ("pending", "delivered", "retrying", "parked")
FINAL = ("delivered", "parked")


@dataclass(frozen=True)
class Endpoint:
    tenant_id: str
    endpoint_id: str
    url: str
    event_types: tuple[str, ...]
    enabled: bool
    description: str | None
    created_at: str
    updated_at: str
    secret_version: int = 1
    failing_since: str | None = None
    disabled_reason: str | None = None

    def wants(self, event_type: str) -> bool:
        return self.enabled and (not self.event_types or event_type in self.event_types)

    def to_public(self, secret: str | None = None) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": self.endpoint_id,
            "url": self.url,
            "event_types": list(self.event_types),
            "enabled": self.enabled,
            "description": self.description,
            "failing_since": self.failing_since,
            "disabled_reason": self.disabled_reason,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if secret is not None:
            shown["secret"] = secret
        return shown


def checked_event_types(given: list[str] | None) -> tuple[str, ...]:
    types = tuple(dict.fromkeys(given or ()))
    unknown = [t for t in types if t not in EVENT_TYPES or t == TEST_EVENT]
    if unknown:
        raise UnprocessableEntity(
            f"unknown event type {unknown[0]!r}", {"field": "event_types", "value": unknown[0]}
        )
    return types


def new_endpoint(
    tenant_id: str,
    url: str,
    types: tuple[str, ...],
    enabled: bool,
    description: str | None,
    now: str,
) -> Endpoint:
    return Endpoint(
        tenant_id, ids.new_sortable_id("whk"), url, types, enabled, description, now, now
    )


def changed(endpoint: Endpoint, changes: dict[str, Any], now: str) -> Endpoint:
    updated = replace(endpoint, **changes, updated_at=now)
    if changes.get("enabled") is True:  # re-enabled by the tenant: a fresh start
        updated = replace(updated, disabled_reason=None, failing_since=None)
    return updated


@dataclass(frozen=True)
class Delivery:
    tenant_id: str
    endpoint_id: str
    delivery_id: str
    event_id: str
    event_type: str
    occurred_at: str
    created_at: str
    updated_at: str
    status: str = "pending"
    attempts: int = 0
    response_code: int | None = None
    response_ms: int | None = None
    last_error: str | None = None
    next_attempt_at: str | None = None
    first_attempt_at: str | None = None
    replay_job_id: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.delivery_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "status": self.status,
            "attempts": self.attempts,
            "response_code": self.response_code,
            "response_ms": self.response_ms,
            "last_error": self.last_error,
            "next_attempt_at": self.next_attempt_at,
            "replay_job_id": self.replay_job_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def delivery_id(
    endpoint_id: str, event_id: str, occurred_at: str, job_id: str | None = None
) -> str:
    """``wdl_`` + the event's time (sortable: newest events list first) + a tail derived from
    the endpoint, the event and the replay job: the same three make the same id."""
    try:
        millis = int(parse_iso(occurred_at).timestamp() * 1000)
    except ValueError:
        millis = 0
    stamp = ids.new_sortable_id("wdl", now_ms=max(0, millis))[:14]
    tail = ids.derived_id("wdl", f"{endpoint_id}|{event_id}|{job_id or ''}")[4:16]
    return stamp + tail


def new_delivery(
    endpoint: Endpoint, event: dict[str, Any], now: str, job_id: str | None = None
) -> Delivery:
    return Delivery(
        tenant_id=endpoint.tenant_id,
        endpoint_id=endpoint.endpoint_id,
        delivery_id=delivery_id(
            endpoint.endpoint_id, str(event["event_id"]), str(event["occurred_at"]), job_id
        ),
        event_id=str(event["event_id"]),
        event_type=str(event["type"]),
        occurred_at=str(event["occurred_at"]),
        created_at=now,
        updated_at=now,
        replay_job_id=job_id,
    )


@dataclass(frozen=True)
class ReplayJob:
    tenant_id: str
    endpoint_id: str
    job_id: str
    first: str
    last: str
    types: tuple[str, ...]
    created_at: str
    updated_at: str
    status: str = "pending"  # pending | running | completed | failed
    total: int = 0
    done: int = 0
    cursor: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.job_id,
            "endpoint_id": self.endpoint_id,
            "status": self.status,
            "from": self.first,
            "to": self.last,
            "types": list(self.types),
            "progress": {"total": self.total, "done": self.done},
            "error": self.error,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
