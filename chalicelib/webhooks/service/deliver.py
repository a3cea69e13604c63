"""The sender: one queued delivery → one signed POST, and what follows from its answer.

A 2xx delivers it and ends the endpoint's failure streak. Anything else (another status, a
redirect — never followed —, a timeout, a refused or forbidden address) counts an attempt:
the delivery is retried after the backoff while 24 hours from its first attempt last, then
parked; the endpoint's streak starts (``failing_since``) and, past 24 hours, the endpoint
is disabled and its tenant notified. Over the endpoint's rate the delivery waits a second,
with no attempt counted. A delivery already delivered or parked is not sent again."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.core.clock import iso, parse_iso
from chalicelib.webhooks.rules import records, retries, signing

if TYPE_CHECKING:
    from chalicelib.webhooks.ports import PostResult
    from chalicelib.webhooks.rules.records import Delivery, Endpoint
    from chalicelib.webhooks.service import WebhookPorts

DISABLED_REASON = "failing for more than 24 hours"
NOTICE = "webhook.disabled"


@dataclass(frozen=True)
class Outcome:
    """``retry_in`` seconds before the queue gives the message back (None: it is done)."""

    status: str  # delivered | retrying | parked | rate_limited | skipped
    retry_in: int | None = None


def body_of(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode("utf-8")


def headers_for(
    ports: WebhookPorts, endpoint: Endpoint, delivery: Delivery, body: bytes
) -> dict[str, str]:
    keys = ports.vault.read(endpoint.tenant_id, endpoint.endpoint_id, endpoint.secret_version)
    timestamp = int(ports.wall.now().timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": "PenguinMails-Webhooks/1",
        "PenguinMails-Signature": signing.signature_header(
            keys.active(ports.clock.now()), timestamp, body
        ),
        "PenguinMails-Event-Id": delivery.event_id,
        "PenguinMails-Event-Type": delivery.event_type,
        "PenguinMails-Delivery-Id": delivery.delivery_id,
    }


def deliver(ports: WebhookPorts, message: dict[str, Any]) -> Outcome:
    tenant_id, endpoint_id = str(message["tenant_id"]), str(message["endpoint_id"])
    delivery = ports.deliveries.get(tenant_id, endpoint_id, str(message["delivery_id"]))
    if delivery is None or delivery.is_final:
        return Outcome("skipped")
    endpoint = ports.endpoints.get(tenant_id, endpoint_id)
    if endpoint is None or not (endpoint.enabled or delivery.event_type == records.TEST_EVENT):
        why = "endpoint deleted" if endpoint is None else "endpoint disabled"
        _save(ports, delivery, status="parked", last_error=why, next_attempt_at=None)
        return Outcome("parked")
    if not ports.limiter.acquire(tenant_id, endpoint_id, ports.clock.now()):
        return Outcome("rate_limited", _scaled(ports, retries.RATE_LIMITED_DELAY))
    body = body_of(message["event"])
    result = ports.poster.post(endpoint.url, body, headers_for(ports, endpoint, delivery, body))
    if retries.is_success(result.status):
        return _delivered(ports, endpoint, delivery, result)
    return _failed(ports, endpoint, delivery, result)


def _scaled(ports: WebhookPorts, seconds: int) -> int:
    return max(0, round(seconds * ports.retry_scale))


def _save(ports: WebhookPorts, delivery: Delivery, **changes: Any) -> Delivery:
    saved = replace(delivery, **changes, updated_at=ports.clock.now_iso())
    ports.deliveries.save(saved)
    return saved


def _attempted(ports: WebhookPorts, delivery: Delivery, result: PostResult) -> dict[str, Any]:
    return {
        "attempts": delivery.attempts + 1,
        "response_code": result.status,
        "response_ms": result.ms,
        "first_attempt_at": delivery.first_attempt_at or ports.clock.now_iso(),
    }


def _delivered(
    ports: WebhookPorts, endpoint: Endpoint, delivery: Delivery, result: PostResult
) -> Outcome:
    attempted = _attempted(ports, delivery, result)
    _save(ports, delivery, status="delivered", last_error=None, next_attempt_at=None, **attempted)
    if endpoint.failing_since is not None:
        ports.endpoints.succeeded(endpoint.tenant_id, endpoint.endpoint_id)
    return Outcome("delivered")


def _failed(
    ports: WebhookPorts, endpoint: Endpoint, delivery: Delivery, result: PostResult
) -> Outcome:
    now = ports.clock.now()
    attempted = _attempted(ports, delivery, result)
    error = result.error or f"HTTP {result.status}"
    decision = retries.after_failure(
        parse_iso(attempted["first_attempt_at"]), attempted["attempts"], now
    )
    _health_after_failure(ports, endpoint)
    if decision.parked:
        _save(ports, delivery, status="parked", last_error=error, next_attempt_at=None, **attempted)
        return Outcome("parked")
    after = iso(decision.next_attempt_at) if decision.next_attempt_at else None
    _save(ports, delivery, status="retrying", last_error=error, next_attempt_at=after, **attempted)
    return Outcome("retrying", _scaled(ports, decision.delay))


def _health_after_failure(ports: WebhookPorts, endpoint: Endpoint) -> None:
    now = ports.clock.now()
    after = ports.endpoints.failed(endpoint.tenant_id, endpoint.endpoint_id, iso(now))
    since = after.failing_since if after is not None else None
    if since is None or not retries.should_disable(parse_iso(since), now):
        return
    if ports.endpoints.disable(endpoint.tenant_id, endpoint.endpoint_id, DISABLED_REASON, iso(now)):
        ports.notify(
            endpoint.tenant_id,
            NOTICE,
            {"endpoint_id": endpoint.endpoint_id, "url": endpoint.url, "failing_since": since},
        )
