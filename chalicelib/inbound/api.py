"""Inbound mail: replies, auto-replies, bounces and complaints that arrived at the tenant's
mailboxes, newest first, with their classification and the message each belongs to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.pagination import parse_limit, public_page
from chalicelib.http.query import list_filters
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply
from chalicelib.inbound.rules.records import TYPES

if TYPE_CHECKING:
    from chalicelib.http.views import Call
    from chalicelib.inbound import wiring
else:
    wiring = lazy.module("chalicelib.inbound.wiring")


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
    filters = list_filters(call.query, {"type": TYPES, "mailbox_id": None}, max_length=64)
    page = wiring.store().list(
        call.tenant.tenant_id,
        parse_limit(call.query.get("limit")),
        call.query.get("next_token"),
        filters,
    )
    return Reply(public_page(page))
