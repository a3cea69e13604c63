"""Servers: provision a sending server end to end, watch its steps, list, decommission."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.pagination import parse_limit
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.http.views import Call
    from chalicelib.provisioning import service, wiring
else:
    service = lazy.module("chalicelib.provisioning.service")
    wiring = lazy.module("chalicelib.provisioning.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.provisioning.schemas."
ONE = "/servers/{server_id}"


@route(
    bp,
    "/servers",
    "POST",
    auth="full",
    tag="servers",
    body=M + "CreateServer",
    reply=M + "ServerReply",
    status=201,
    action="server.create",
    errors=(400, 401, 403, 409, 422, 503),
    summary="Provision a server (VPS, MailU, mailboxes, DNS, TLS); the same request again "
    "returns the same server.",
)
def create_server(call: Call) -> Reply:
    server, new = service.create_server(wiring.api_ports(), call.tenant, call.body)
    return Reply(server.to_public(), 201 if new else 200, resource_id=server.server_id)


@route(
    bp,
    "/servers",
    "GET",
    auth="full",
    tag="servers",
    reply=M + "ServerPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="List servers, newest first.",
)
def list_servers(call: Call) -> Reply:
    page = service.list_servers(
        wiring.api_ports(),
        call.tenant,
        parse_limit(call.query.get("limit")),
        call.query.get("next_token"),
    )
    return Reply(page.shaped(lambda s: s.to_public()))


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="servers",
    reply=M + "ServerReply",
    errors=(401, 403, 404),
    summary="A server with every step: status, start, end, attempts, error.",
)
def get_server(call: Call, server_id: str) -> Reply:
    return Reply(service.find_server(wiring.api_ports(), call.tenant, server_id).to_public())


@route(
    bp,
    ONE,
    "DELETE",
    auth="full",
    tag="servers",
    reply=M + "ServerReply",
    status=202,
    action="server.decommission",
    errors=(401, 403, 404, 409, 503),
    summary="Decommission: mailboxes, DNS, certificate, then the VPS.",
)
def decommission_server(call: Call, server_id: str) -> Reply:
    server = service.decommission_server(wiring.api_ports(), call.tenant, server_id)
    return Reply(server.to_public(), 202, resource_id=server.server_id)
