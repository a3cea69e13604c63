"""Tenants: operators create and change them (admin key); a tenant reads itself."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import deps
from chalicelib.api.pipeline import Call
from chalicelib.api.routing import Reply, route
from chalicelib.domain import accounts
from chalicelib.domain.plans import plan_named

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"
M = "chalicelib.api.models."


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
    tenant, token, key = accounts.open_tenant(
        deps.account_ports(), b.name, b.plan, b.contact_email, b.postal_address
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
    return Reply(accounts.find_tenant(deps.account_ports(), tenant_id).to_public())


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
    tenant = accounts.change_tenant(deps.account_ports(), tenant_id, changes)
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
    ports = deps.account_ports()
    tenant = accounts.find_tenant(ports, call.tenant.tenant_id)
    body = {
        **tenant.to_public(),
        "limits": plan_named(tenant.plan).limits(),
        "usage": accounts.usage_this_month(ports, call.tenant),
        "key": {"id": call.tenant.key_id, "scope": call.tenant.scope},
    }
    return Reply(body)
