"""Messages: send one, send a batch, read one with its timeline, list, cancel.

Sends accept an ``Idempotency-Key`` header: the same key and body returns the first reply,
a different body with the same key is a 409. Bodies up to 10 MB are accepted here (API
Gateway's own ceiling); the rest of the API keeps the smaller default limit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from chalice import Blueprint

from chalicelib import deps
from chalicelib.api.pipeline import Call, raw_body
from chalicelib.api.routing import Reply, route
from chalicelib.domain import message_service as service
from chalicelib.domain.message_service import Recipient
from chalicelib.domain.pagination import parse_limit
from chalicelib.errors import AppError, BadRequest, ValidationFailed

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"
M = "chalicelib.api.models."
SEND_LIMIT = 10 * 1024 * 1024 + 64 * 1024
_KEY = re.compile(r"^[!-~]{1,255}$")
_FILTERS = ("status", "tag", "from", "to")


def _with_request_key(call: Call, path: str, work: Callable[[], Reply]) -> Reply:
    key = call.headers.get("idempotency-key")
    if key is None:
        return work()
    if not _KEY.match(key):
        raise BadRequest(
            "Idempotency-Key must be 1-255 printable ASCII characters",
            {"field": "Idempotency-Key"},
        )
    store, tenant_id = deps.request_keys(), call.tenant.tenant_id
    fingerprint = hashlib.sha256(path.encode() + b"\n" + raw_body(call.raw)).hexdigest()
    stored = store.begin(tenant_id, key, fingerprint)
    if stored is not None:
        return Reply(stored[1], stored[0], headers={"Idempotent-Replayed": "true"})
    try:
        reply = work()
    except Exception:
        store.abandon(tenant_id, key)
        raise
    store.finish(tenant_id, key, fingerprint, reply.status, reply.body)
    return reply


def _check_address(to: str) -> Recipient | AppError:
    from chalicelib.api.models import _email

    try:
        return Recipient(_email(to), {})
    except ValueError as exc:
        return ValidationFailed(f"to: {exc}", {"field": "to", "value": to[:320]})


@route(
    bp,
    "/messages",
    "POST",
    auth="send",
    tag="messages",
    body=M + "SendMessage",
    reply=M + "MessageReply",
    status=202,
    action="message.send",
    max_body=SEND_LIMIT,
    errors=(400, 401, 403, 409, 413, 422, 429, 503),
    summary="Queue one email; Idempotency-Key makes a retried request safe.",
)
def send_message(call: Call) -> Reply:
    def work() -> Reply:
        b = call.body
        recipients: list[Recipient | AppError] = [Recipient(b.to, dict(b.variables))]
        results = service.accept(deps.message_ports(), call.tenant, b, recipients, batch=False)
        message = results[0]
        assert not isinstance(message, AppError)
        return Reply(message.to_public(), 202, resource_id=message.message_id)

    return _with_request_key(call, "/v1/messages", work)


def _result(to: str, outcome: Any) -> dict[str, Any]:
    if isinstance(outcome, AppError):
        return {"to": to, "status": "error", "id": None, "error": outcome.to_body()["error"]}
    return {"to": to, "status": "accepted", "id": outcome.message_id, "error": None}


@route(
    bp,
    "/messages/batch",
    "POST",
    auth="send",
    tag="messages",
    body=M + "SendBatch",
    reply=M + "BatchReply",
    status=202,
    action="message.send_batch",
    max_body=SEND_LIMIT,
    errors=(400, 401, 403, 409, 413, 422, 429, 503),
    summary="Queue up to 500 emails; the reply has one result per recipient, in order.",
)
def send_batch(call: Call) -> Reply:
    def work() -> Reply:
        b = call.body
        recipients: list[Recipient | AppError] = []
        for r in b.recipients:
            checked = _check_address(r.to)
            if isinstance(checked, Recipient):
                checked = Recipient(checked.to, dict(r.variables))
            recipients.append(checked)
        results = service.accept(deps.message_ports(), call.tenant, b, recipients, batch=True)
        accepted = [m for m in results if not isinstance(m, AppError)]
        body = {
            "batch_id": accepted[0].batch_id if accepted else None,
            "accepted": len(accepted),
            "rejected": len(results) - len(accepted),
            "results": [_result(r.to, o) for r, o in zip(b.recipients, results, strict=True)],
        }
        return Reply(body, 202, resource_id=body["batch_id"])

    return _with_request_key(call, "/v1/messages/batch", work)


@route(
    bp,
    "/messages/{message_id}",
    "GET",
    auth="send",
    tag="messages",
    reply=M + "MessageReply",
    errors=(401, 403, 404),
    summary="A message's status and its timeline (transitions, SMTP replies, attempts).",
)
def get_message(call: Call, message_id: str) -> Reply:
    return Reply(service.find(deps.message_ports(), call.tenant, message_id).to_public())


@route(
    bp,
    "/messages",
    "GET",
    auth="send",
    tag="messages",
    reply=M + "MessagePage",
    query=("limit", "next_token", *_FILTERS),
    errors=(400, 401, 403),
    summary="Messages, newest first, filtered by status, tag, from or to. A filtered page "
    "can hold fewer than limit items while next_token is still set.",
)
def list_messages(call: Call) -> Reply:
    from chalicelib.domain.messages import STATUSES

    filters = {k: call.query[k] for k in _FILTERS if call.query.get(k)}
    if filters.get("status") and filters["status"] not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}", {"field": "status"})
    if any(len(v) > 320 for v in filters.values()):
        raise BadRequest("filter values are at most 320 characters", {"field": "query"})
    page = deps.messages().list(
        call.tenant.tenant_id,
        parse_limit(call.query.get("limit")),
        call.query.get("next_token"),
        filters,
    )
    return Reply(
        {
            "items": [m.to_public(with_timeline=False) for m in page.items],
            "next_token": page.next_token,
        }
    )


@route(
    bp,
    "/messages/{message_id}",
    "DELETE",
    auth="send",
    tag="messages",
    reply=M + "MessageReply",
    action="message.cancel",
    errors=(401, 403, 404, 409),
    summary="Cancel a message that has not been sent yet (409 once it is sending or done).",
)
def cancel_message(call: Call, message_id: str) -> Reply:
    message = service.cancel(deps.message_ports(), call.tenant, message_id)
    return Reply(message.to_public(), resource_id=message_id)
