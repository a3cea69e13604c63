"""Live updates over HTTP: the short-lived ticket a browser authenticates its WebSocket
with (the WebSocket itself is served by the handlers in ``app.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.settings import settings
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.http.views import Call
    from chalicelib.realtime import service, wiring
else:
    service = lazy.module("chalicelib.realtime.service")
    wiring = lazy.module("chalicelib.realtime.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.realtime.schemas."


@route(
    bp,
    "/realtime/tickets",
    "POST",
    auth="full",
    tag="realtime",
    reply=M + "TicketReply",
    status=201,
    errors=(401, 403, 503),
    summary="A single-use ticket (60 s) to authenticate a WebSocket for live updates.",
)
def create_ticket(call: Call) -> Reply:
    url = settings().websocket_url
    if not url:
        raise ServiceUnavailable("the WebSocket API of this stage is not deployed yet")
    ticket, expires_at = service.issue_ticket(
        wiring.ports(), call.tenant.tenant_id, call.tenant.key_id
    )
    return Reply({"ticket": ticket, "url": url, "expires_at": expires_at}, 201)
