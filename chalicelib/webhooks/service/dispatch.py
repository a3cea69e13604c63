"""Events from the stream → deliveries: every event is kept in the tenant's event log (for
replays), and each enabled endpoint whose filter takes it gets one delivery record
(conditional on its id: the same event twice makes one) and one message on the FIFO
deliveries queue, grouped by endpoint and message so a message's events arrive in order.
The tenant's endpoints are read once per batch (one Query)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.webhooks.ports import QueuedDelivery
from chalicelib.webhooks.rules import records

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.events import Event
    from chalicelib.webhooks.rules.records import Endpoint
    from chalicelib.webhooks.service import WebhookPorts


def queued(
    ports: WebhookPorts, endpoint: Endpoint, event: Event, job_id: str | None = None
) -> QueuedDelivery | None:
    """The delivery of ``event`` to ``endpoint``, stored (once) and ready to enqueue; None
    when it already left (delivered or parked: nothing to send again)."""
    made = records.new_delivery(endpoint, event, ports.clock.now_iso(), job_id)
    stored = ports.deliveries.create(made)
    if stored.is_final:
        return None
    order_key = str(event.get("message_id") or event["event_id"])
    dedup = f"{endpoint.endpoint_id}{event['event_id']}{job_id or ''}"
    return QueuedDelivery(
        endpoint.tenant_id,
        endpoint.endpoint_id,
        stored.delivery_id,
        dict(event),
        group=f"{endpoint.endpoint_id}#{order_key}",
        dedup=dedup,
    )


def _in_order(events: Sequence[Event]) -> list[Event]:
    """Stream order, with each tenant's events sorted by when they happened (stable)."""
    return sorted(events, key=lambda e: (str(e["tenant_id"]), str(e["occurred_at"])))


def dispatch(ports: WebhookPorts, events: Sequence[Event]) -> int:
    """Log the batch's events and enqueue their deliveries; the number enqueued."""
    wanted = [e for e in _in_order(events) if e.get("type") != records.TEST_EVENT]
    if not wanted:
        return 0
    ports.log.append(wanted)
    endpoints: dict[str, list[Endpoint]] = {}
    out: list[QueuedDelivery] = []
    for event in wanted:
        tenant_id = str(event["tenant_id"])
        if tenant_id not in endpoints:
            endpoints[tenant_id] = ports.endpoints.all_of(tenant_id)
        out.extend(_for_event(ports, endpoints[tenant_id], event))
    ports.queue.send(out)
    return len(out)


def _for_event(ports: WebhookPorts, endpoints: list[Endpoint], event: Event) -> list[Any]:
    found = (queued(ports, e, event) for e in endpoints if e.wants(str(event["type"])))
    return [q for q in found if q is not None]
