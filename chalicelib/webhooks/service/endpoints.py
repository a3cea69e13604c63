"""Use cases of webhook endpoints: create (URL checked, secret made and kept in the vault,
shown once), change, delete, rotate the secret (the previous one signs too for 24 hours),
send a test event, and start or read a replay job."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalicelib.core import events as core_events
from chalicelib.core import ids
from chalicelib.core.errors import NotFound, UnprocessableEntity
from chalicelib.webhooks.rules import addresses, records, replay, signing
from chalicelib.webhooks.service.dispatch import queued

if TYPE_CHECKING:
    from chalicelib.webhooks.rules.records import Endpoint, ReplayJob
    from chalicelib.webhooks.service import WebhookPorts


def find(ports: WebhookPorts, tenant_id: str, endpoint_id: str) -> Endpoint:
    found = ports.endpoints.get(tenant_id, endpoint_id) if endpoint_id.startswith("whk_") else None
    if found is None:
        raise NotFound(f"webhook {endpoint_id} not found", {"id": endpoint_id})
    return found


def checked_url(ports: WebhookPorts, url: str) -> str:
    """``url`` if a webhook may point there (shape, scheme, resolved addresses); else 422."""
    url, host = addresses.checked_url(url, ports.local)
    literal = addresses.parse_ip(host)
    found = [str(literal)] if literal is not None else ports.resolver.addresses(host)
    addresses.checked_addresses(host, found, ports.local)
    return url


def create(
    ports: WebhookPorts,
    tenant_id: str,
    url: str,
    event_types: list[str] | None,
    enabled: bool,
    description: str | None,
) -> tuple[Endpoint, str]:
    """The endpoint and its secret (shown in this reply only)."""
    checked = checked_url(ports, url)
    types = records.checked_event_types(event_types)
    endpoint = records.new_endpoint(
        tenant_id, checked, types, enabled, description, ports.clock.now_iso()
    )
    secret = signing.new_secret()
    ports.vault.put(tenant_id, endpoint.endpoint_id, signing.SigningKeys(secret))
    ports.endpoints.create(endpoint)
    return endpoint, secret


def update(
    ports: WebhookPorts, tenant_id: str, endpoint_id: str, changes: dict[str, Any]
) -> Endpoint:
    endpoint = find(ports, tenant_id, endpoint_id)
    if "url" in changes:
        changes["url"] = checked_url(ports, changes["url"])
    if "event_types" in changes:
        changes["event_types"] = records.checked_event_types(changes["event_types"])
    updated = records.changed(endpoint, changes, ports.clock.now_iso())
    ports.endpoints.save(updated)
    return updated


def delete(ports: WebhookPorts, tenant_id: str, endpoint_id: str) -> Endpoint:
    endpoint = find(ports, tenant_id, endpoint_id)
    ports.endpoints.delete(tenant_id, endpoint_id)
    ports.vault.delete(tenant_id, endpoint_id)
    return endpoint


def rotate_secret(ports: WebhookPorts, tenant_id: str, endpoint_id: str) -> tuple[Endpoint, str]:
    """A new secret; the previous one keeps signing (a second ``v1``) for 24 hours."""
    endpoint = find(ports, tenant_id, endpoint_id)
    keys = ports.vault.read(tenant_id, endpoint_id, endpoint.secret_version)
    secret = signing.new_secret()
    ports.vault.put(tenant_id, endpoint_id, keys.rotated(secret, ports.clock.now()))
    rotated = replace(
        endpoint, secret_version=endpoint.secret_version + 1, updated_at=ports.clock.now_iso()
    )
    ports.endpoints.save(rotated)
    return rotated, secret


def send_test(ports: WebhookPorts, tenant_id: str, endpoint_id: str) -> dict[str, str]:
    """A synthetic ``webhook.test`` event to this endpoint only (even when disabled)."""
    endpoint = find(ports, tenant_id, endpoint_id)
    now = ports.clock.now_iso()
    event = core_events.new_event(
        records.TEST_EVENT, tenant_id, now, endpoint_id=endpoint.endpoint_id
    )
    made = queued(ports, replace(endpoint, enabled=True), event)
    if made is None:  # a new event id: never final
        raise UnprocessableEntity("the test event could not be queued", {"field": "id"})
    ports.queue.send([made])
    return {"delivery_id": made.delivery_id, "event_id": str(event["event_id"])}


def start_replay(
    ports: WebhookPorts,
    tenant_id: str,
    endpoint_id: str,
    first: str,
    last: str,
    types: list[str] | None,
) -> ReplayJob:
    endpoint = find(ports, tenant_id, endpoint_id)
    start, end = replay.checked_range(first, last, ports.clock.now())
    wanted = _replay_types(endpoint, types)
    now = ports.clock.now_iso()
    job = records.ReplayJob(
        tenant_id, endpoint_id, ids.new_sortable_id("wrp"), start, end, wanted, now, now
    )
    ports.jobs.create(job)
    ports.replays.enqueue(tenant_id, endpoint_id, job.job_id)
    return job


def _replay_types(endpoint: Endpoint, types: list[str] | None) -> tuple[str, ...]:
    """The types asked for (checked), or the endpoint's filter when none are."""
    if types is None:
        return endpoint.event_types
    try:
        return records.checked_event_types(types)
    except UnprocessableEntity as problem:
        problem.details["field"] = "types"
        raise


def find_replay(ports: WebhookPorts, tenant_id: str, endpoint_id: str, job_id: str) -> ReplayJob:
    find(ports, tenant_id, endpoint_id)
    job = ports.jobs.get(tenant_id, endpoint_id, job_id) if job_id.startswith("wrp_") else None
    if job is None:
        raise NotFound(f"replay {job_id} not found", {"id": job_id})
    return job
