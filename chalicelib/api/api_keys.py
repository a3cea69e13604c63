"""A tenant's API keys: create (shown once), list, revoke (effective on the next call)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import deps
from chalicelib.api.pipeline import Call
from chalicelib.api.routing import Reply, route
from chalicelib.domain import accounts
from chalicelib.domain.pagination import parse_limit

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"
M = "chalicelib.api.models."


@route(
    bp,
    "/api-keys",
    "POST",
    auth="full",
    tag="api-keys",
    body=M + "CreateApiKey",
    reply=M + "ApiKeyCreatedReply",
    status=201,
    action="api_key.create",
    errors=(400, 401, 403),
    summary="Create an API key (scope full or send); shown once.",
)
def create_api_key(call: Call) -> Reply:
    token, key = accounts.create_key(
        deps.account_ports(), call.tenant, call.body.name, call.body.scope
    )
    return Reply({**key.to_public(), "key": token}, 201, resource_id=key.key_id)


@route(
    bp,
    "/api-keys",
    "GET",
    auth="full",
    tag="api-keys",
    reply=M + "ApiKeyPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="List API keys (never their secrets), oldest first.",
)
def list_api_keys(call: Call) -> Reply:
    page = deps.api_keys().list(
        call.tenant, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(page.to_public())


@route(
    bp,
    "/api-keys/{key_id}",
    "DELETE",
    auth="full",
    tag="api-keys",
    reply=M + "ApiKeyReply",
    action="api_key.revoke",
    errors=(401, 403, 404),
    summary="Revoke an API key; it fails with 401 from its next call on.",
)
def revoke_api_key(call: Call, key_id: str) -> Reply:
    key = accounts.revoke_key(deps.account_ports(), call.tenant, key_id)
    return Reply(key.to_public(), resource_id=key_id)
