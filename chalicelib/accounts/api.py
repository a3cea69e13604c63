"""The accounts routes: operators create and change tenants (admin key); a tenant reads
itself, manages its API keys (shown once, revoked from the next call) and reads its audit
log, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.pagination import parse_limit, public_page
from chalicelib.core.plans import plan_named
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.accounts import wiring
    from chalicelib.accounts.service import tenants as service
    from chalicelib.http.views import Call
else:
    service = lazy.module("chalicelib.accounts.service.tenants")
    wiring = lazy.module("chalicelib.accounts.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.accounts.schemas."


@route(
    bp,
    "/tenants",
    "POST",
    auth="admin",
    tag="tenants",
    body=M + "CreateTenant",
    reply=M + "TenantCreatedReply",
    status=201,
    action="tenant.create",
    errors=(400, 401, 403),
    summary="Create a tenant with a plan; returns its first API key, shown once.",
)
def create_tenant(call: Call) -> Reply:
    b = call.body
    tenant, token, key = service.open_tenant(
        wiring.ports(), b.name, b.plan, b.contact_email, b.postal_address
    )
    body = {"tenant": tenant.to_public(), "api_key": {**key.to_public(), "key": token}}
    return Reply(body, 201, resource_id=tenant.tenant_id, audit_tenant_id=tenant.tenant_id)


@route(
    bp,
    "/tenants/{tenant_id}",
    "GET",
    auth="admin",
    tag="tenants",
    reply=M + "TenantReply",
    errors=(401, 403, 404),
    summary="Read a tenant.",
)
def get_tenant(call: Call, tenant_id: str) -> Reply:
    return Reply(service.find_tenant(wiring.ports(), tenant_id).to_public())


@route(
    bp,
    "/tenants/{tenant_id}",
    "PATCH",
    auth="admin",
    tag="tenants",
    body=M + "UpdateTenant",
    reply=M + "TenantReply",
    action="tenant.update",
    errors=(400, 401, 403, 404),
    summary="Change a tenant's plan, status (active/suspended), name or contact.",
)
def update_tenant(call: Call, tenant_id: str) -> Reply:
    changes = call.body.model_dump(exclude_unset=True)
    tenant = service.change_tenant(wiring.ports(), tenant_id, changes)
    return Reply(tenant.to_public(), resource_id=tenant_id, audit_tenant_id=tenant_id)


@route(
    bp,
    "/tenant",
    "GET",
    auth="full",
    tag="tenants",
    reply=M + "TenantSelfReply",
    errors=(401, 403),
    summary="The calling tenant: plan, limits and usage this month.",
)
def get_self(call: Call) -> Reply:
    bundle = wiring.ports()
    tenant = service.find_tenant(bundle, call.tenant.tenant_id)
    body = {
        **tenant.to_public(),
        "limits": plan_named(tenant.plan).limits(),
        "usage": service.usage_this_month(bundle, call.tenant),
        "key": {"id": call.tenant.key_id, "scope": call.tenant.scope},
    }
    return Reply(body)


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
    token, key = service.create_key(wiring.ports(), call.tenant, call.body.name, call.body.scope)
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
    page = wiring.ports().api_keys.list(
        call.tenant, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(public_page(page))


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
    key = service.revoke_key(wiring.ports(), call.tenant, key_id)
    return Reply(key.to_public(), resource_id=key_id)


@route(
    bp,
    "/audit",
    "GET",
    auth="full",
    tag="audit",
    reply=M + "AuditPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="Audit records of every mutating call, newest first, with cursor pagination.",
)
def list_audit(call: Call) -> Reply:
    page = wiring.ports().audit.list(
        call.tenant, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(public_page(page))
