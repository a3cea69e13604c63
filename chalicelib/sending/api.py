"""The sending routes: messages (send one, send a batch, read one with its timeline, list,
cancel) and suppressions (the tenant's do-not-mail list: bounces, complaints, unsubscribes
and manual entries; adding is idempotent and keeps the first entry's reason and time).

Sends accept an ``Idempotency-Key`` header: the same key and body returns the first reply,
a different body with the same key is a 409, and so is a retry while the first request still
holds the key's lease (``request_keys``). Bodies up to 10 MB are accepted here (API
Gateway's own ceiling); the rest of the API keeps the smaller default limit.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.clock import system_clock
from chalicelib.core.errors import AppError, BadRequest, NotFound, ValidationFailed
from chalicelib.core.pagination import parse_limit, public_page
from chalicelib.http.query import list_filters
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply
from chalicelib.http.validation import email_address
from chalicelib.http.views import Call, raw_body
from chalicelib.sending.rules.messages import STATUSES
from chalicelib.sending.rules.suppressions import Suppression, normalise

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.sending import wiring
    from chalicelib.sending.service import accept as service
    from chalicelib.sending.service.accept import Recipient
else:
    service = lazy.module("chalicelib.sending.service.accept")
    wiring = lazy.module("chalicelib.sending.wiring")

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.sending.schemas."
SEND_LIMIT = 10 * 1024 * 1024 + 64 * 1024
_KEY = re.compile(r"^[!-~]{1,255}$")
_FILTERS = {"status": STATUSES, "tag": None, "from": None, "to": None}


def _with_request_key(call: Call, path: str, work: Callable[[], Reply]) -> Reply:
    key = call.headers.get("idempotency-key")
    if key is None:
        return work()
    if not _KEY.match(key):
        raise BadRequest(
            "Idempotency-Key must be 1-255 printable ASCII characters",
            {"field": "Idempotency-Key"},
        )
    store, tenant_id = wiring.request_keys(), call.tenant.tenant_id
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
    try:
        return service.Recipient(email_address(to), {})
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
        recipients: list[Recipient | AppError] = [service.Recipient(b.to, dict(b.variables))]
        results = service.accept(wiring.message_ports(), call.tenant, b, recipients, batch=False)
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
            if isinstance(checked, service.Recipient):
                checked = service.Recipient(checked.to, dict(r.variables))
            recipients.append(checked)
        results = service.accept(wiring.message_ports(), call.tenant, b, recipients, batch=True)
        accepted = [m for m in results if not isinstance(m, AppError)]
        batch_id = accepted[0].batch_id if accepted else None
        body = {
            "batch_id": batch_id,
            "accepted": len(accepted),
            "rejected": len(results) - len(accepted),
            "results": [_result(r.to, o) for r, o in zip(b.recipients, results, strict=True)],
        }
        return Reply(body, 202, resource_id=batch_id)

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
    return Reply(service.find(wiring.message_ports(), call.tenant, message_id).to_public())


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
    filters = list_filters(call.query, _FILTERS, max_length=320)
    page = wiring.messages().list(
        call.tenant.tenant_id,
        parse_limit(call.query.get("limit")),
        call.query.get("next_token"),
        filters,
    )
    return Reply(page.shaped(lambda m: m.to_public(with_timeline=False)))


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
    message = service.cancel(wiring.message_ports(), call.tenant, message_id)
    return Reply(message.to_public(), resource_id=message_id)


def _address(raw: str) -> str:
    address = normalise(unquote(raw))
    if "@" not in address or len(address) > 320:
        raise BadRequest("address is not an email address", {"field": "address"})
    return address


@route(
    bp,
    "/suppressions",
    "POST",
    auth="send",
    tag="suppressions",
    body=M + "CreateSuppression",
    reply=M + "SuppressionReply",
    status=201,
    action="suppression.create",
    errors=(400, 401, 403),
    summary="Suppress an address for this tenant (200 with the existing entry if it was).",
)
def create_suppression(call: Call) -> Reply:
    store, tenant_id = wiring.suppressions(), call.tenant.tenant_id
    entry = Suppression(
        address=normalise(call.body.address),
        scope="tenant",
        reason=call.body.reason or "added by the tenant",
        source="manual",
        created_at=system_clock().now_iso(),
        actor=f"api_key:{call.tenant.key_id}",
    )
    added = store.add(tenant_id, entry)
    current = (None if added else store.get(tenant_id, entry.address)) or entry
    return Reply(current.to_public(), 201 if added else 200, resource_id=entry.address)


@route(
    bp,
    "/suppressions",
    "GET",
    auth="send",
    tag="suppressions",
    reply=M + "SuppressionPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="The tenant's suppressed addresses, in address order.",
)
def list_suppressions(call: Call) -> Reply:
    page = wiring.suppressions().list(
        call.tenant.tenant_id, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(public_page(page))


@route(
    bp,
    "/suppressions/{address}",
    "GET",
    auth="send",
    tag="suppressions",
    reply=M + "SuppressionReply",
    errors=(400, 401, 403, 404),
    summary="Whether an address is suppressed for this tenant, and why.",
)
def get_suppression(call: Call, address: str) -> Reply:
    found = wiring.suppressions().get(call.tenant.tenant_id, _address(address))
    if found is None:
        raise NotFound(f"{_address(address)} is not suppressed", {"address": address})
    return Reply(found.to_public())


@route(
    bp,
    "/suppressions/{address}",
    "DELETE",
    auth="full",
    tag="suppressions",
    reply=M + "SuppressionReply",
    action="suppression.delete",
    errors=(400, 401, 403, 404),
    summary="Allow mail to an address again (tenant list only).",
)
def delete_suppression(call: Call, address: str) -> Reply:
    store, tenant_id = wiring.suppressions(), call.tenant.tenant_id
    found = store.get(tenant_id, _address(address))
    if found is None or not store.remove(tenant_id, found.address):
        raise NotFound(f"{_address(address)} is not suppressed", {"address": address})
    return Reply(found.to_public(), resource_id=found.address)
