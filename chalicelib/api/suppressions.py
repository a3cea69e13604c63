"""Suppressions: the tenant's do-not-mail list (bounces, complaints, unsubscribes and manual
entries). Adding is idempotent; the first entry's reason and time are kept."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import deps
from chalicelib.api.pipeline import Call
from chalicelib.api.routing import Reply, route
from chalicelib.domain.pagination import parse_limit
from chalicelib.domain.suppressions import Suppression, normalise
from chalicelib.errors import BadRequest, NotFound

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"
M = "chalicelib.api.models."


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
    store, tenant_id = deps.suppressions(), call.tenant.tenant_id
    entry = Suppression(
        address=normalise(call.body.address),
        scope="tenant",
        reason=call.body.reason or "added by the tenant",
        source="manual",
        created_at=deps.clock().now_iso(),
        actor=f"api_key:{call.tenant.key_id}",
    )
    added = store.add(tenant_id, entry)
    current = entry if added else store.get(tenant_id, entry.address)
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
    page = deps.suppressions().list(
        call.tenant.tenant_id, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(page.to_public())


def _address(raw: str) -> str:
    from urllib.parse import unquote

    address = normalise(unquote(raw))
    if "@" not in address or len(address) > 320:
        raise BadRequest("address is not an email address", {"field": "address"})
    return address


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
    found = deps.suppressions().get(call.tenant.tenant_id, _address(address))
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
    store, tenant_id = deps.suppressions(), call.tenant.tenant_id
    found = store.get(tenant_id, _address(address))
    if found is None or not store.remove(tenant_id, found.address):
        raise NotFound(f"{_address(address)} is not suppressed", {"address": address})
    return Reply(found.to_public(), resource_id=found.address)
