"""Inbound mail: replies, auto-replies, bounces and complaints that arrived at the tenant's
mailboxes, newest first, with their classification and the message each belongs to."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import parse_limit, public_page
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply
from chalicelib.http.views import Call
from chalicelib.inbound.rules.records import TYPES
from chalicelib.inbound.wiring import store

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.inbound.schemas."


@route(
    bp,
    "/inbound",
    "GET",
    auth="full",
    tag="inbound",
    reply=M + "InboundPage",
    query=("limit", "next_token", "type", "mailbox_id"),
    errors=(400, 401, 403),
    summary="Inbound messages, newest first, filtered by type or mailbox. A filtered page can "
    "hold fewer than limit items while next_token is still set.",
)
def list_inbound(call: Call) -> Reply:
    filters = {k: call.query[k] for k in ("type", "mailbox_id") if call.query.get(k)}
    if filters.get("type") and filters["type"] not in TYPES:
        raise BadRequest(f"type must be one of {', '.join(TYPES)}", {"field": "type"})
    if len(filters.get("mailbox_id", "")) > 64:
        raise BadRequest("mailbox_id is too long", {"field": "mailbox_id"})
    page = store().list(
        call.tenant.tenant_id,
        parse_limit(call.query.get("limit")),
        call.query.get("next_token"),
        filters,
    )
    return Reply(public_page(page))
