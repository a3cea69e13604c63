"""Webhooks: endpoints (create, list, read, change, delete, rotate the secret), their
delivery log, a test event, and replays of past events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.pagination import parse_limit
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.http.views import Call
    from chalicelib.webhooks import wiring
    from chalicelib.webhooks.service import endpoints as service
else:
    service = lazy.module("chalicelib.webhooks.service.endpoints")
    wiring = lazy.module("chalicelib.webhooks.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.webhooks.schemas."
ONE = "/webhooks/{webhook_id}"


@route(
    bp,
    "/webhooks",
    "POST",
    auth="full",
    tag="webhooks",
    body=M + "CreateWebhook",
    reply=M + "WebhookReply",
    status=201,
    action="webhook.create",
    errors=(400, 401, 403, 422),
    summary="Register an endpoint; the reply holds its signing secret (shown only here).",
)
def create_webhook(call: Call) -> Reply:
    b = call.body
    endpoint, secret = service.create(
        wiring.ports(), call.tenant.tenant_id, b.url, b.event_types, b.enabled, b.description
    )
    return Reply(endpoint.to_public(secret), 201, resource_id=endpoint.endpoint_id)


@route(
    bp,
    "/webhooks",
    "GET",
    auth="full",
    tag="webhooks",
    reply=M + "WebhookPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="List endpoints.",
)
def list_webhooks(call: Call) -> Reply:
    page = wiring.ports().endpoints.list(
        call.tenant.tenant_id, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(page.shaped(lambda e: e.to_public()))


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="webhooks",
    reply=M + "WebhookReply",
    errors=(401, 403, 404),
    summary="One endpoint.",
)
def get_webhook(call: Call, webhook_id: str) -> Reply:
    return Reply(service.find(wiring.ports(), call.tenant.tenant_id, webhook_id).to_public())


@route(
    bp,
    ONE,
    "PATCH",
    auth="full",
    tag="webhooks",
    body=M + "UpdateWebhook",
    reply=M + "WebhookReply",
    action="webhook.update",
    errors=(400, 401, 403, 404, 422),
    summary="Change an endpoint's URL, event types, description or enabled flag.",
)
def update_webhook(call: Call, webhook_id: str) -> Reply:
    changes = call.body.model_dump(exclude_unset=True)
    endpoint = service.update(wiring.ports(), call.tenant.tenant_id, webhook_id, changes)
    return Reply(endpoint.to_public(), resource_id=webhook_id)


@route(
    bp,
    ONE,
    "DELETE",
    auth="full",
    tag="webhooks",
    reply=M + "WebhookReply",
    action="webhook.delete",
    errors=(401, 403, 404),
    summary="Delete an endpoint (and its secret).",
)
def delete_webhook(call: Call, webhook_id: str) -> Reply:
    endpoint = service.delete(wiring.ports(), call.tenant.tenant_id, webhook_id)
    return Reply(endpoint.to_public(), resource_id=webhook_id)


@route(
    bp,
    ONE + "/rotate-secret",
    "POST",
    auth="full",
    tag="webhooks",
    reply=M + "WebhookReply",
    action="webhook.rotate_secret",
    errors=(401, 403, 404),
    summary="A new signing secret; the previous one also signs for 24 hours.",
)
def rotate_secret(call: Call, webhook_id: str) -> Reply:
    endpoint, secret = service.rotate_secret(wiring.ports(), call.tenant.tenant_id, webhook_id)
    return Reply(endpoint.to_public(secret), resource_id=webhook_id)


@route(
    bp,
    ONE + "/deliveries",
    "GET",
    auth="full",
    tag="webhooks",
    reply=M + "DeliveryPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403, 404),
    summary="The endpoint's deliveries, newest events first.",
)
def list_deliveries(call: Call, webhook_id: str) -> Reply:
    ports = wiring.ports()
    endpoint = service.find(ports, call.tenant.tenant_id, webhook_id)
    page = ports.deliveries.list(
        endpoint.tenant_id,
        endpoint.endpoint_id,
        parse_limit(call.query.get("limit")),
        call.query.get("next_token"),
    )
    return Reply(page.shaped(lambda d: d.to_public()))


@route(
    bp,
    ONE + "/test",
    "POST",
    auth="full",
    tag="webhooks",
    reply=M + "TestReply",
    status=202,
    action="webhook.test",
    errors=(401, 403, 404),
    summary="Send a webhook.test event to this endpoint.",
)
def test_webhook(call: Call, webhook_id: str) -> Reply:
    return Reply(service.send_test(wiring.ports(), call.tenant.tenant_id, webhook_id), 202)


@route(
    bp,
    ONE + "/replay",
    "POST",
    auth="full",
    tag="webhooks",
    body=M + "StartReplay",
    reply=M + "ReplayReply",
    status=202,
    action="webhook.replay",
    errors=(400, 401, 403, 404, 422),
    summary="Send a past range of events again (same event ids), as a job with progress.",
)
def replay_webhook(call: Call, webhook_id: str) -> Reply:
    b = call.body
    job = service.start_replay(
        wiring.ports(), call.tenant.tenant_id, webhook_id, b.first, b.last, b.types
    )
    return Reply(job.to_public(), 202, resource_id=job.job_id)


@route(
    bp,
    ONE + "/replays/{job_id}",
    "GET",
    auth="full",
    tag="webhooks",
    reply=M + "ReplayReply",
    errors=(401, 403, 404),
    summary="A replay job: its status and progress.",
)
def get_replay(call: Call, webhook_id: str, job_id: str) -> Reply:
    job = service.find_replay(wiring.ports(), call.tenant.tenant_id, webhook_id, job_id)
    return Reply(job.to_public())
