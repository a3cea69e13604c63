"""Use cases for tenants, their API keys, authentication and the audit log, written against
the ports only.

Each use case stores its change together with its event (the store keeps the event in the
written item, the outbox), then queues any notification; the notification is best-effort (the
queue adapter logs and counts a failure) because the stored record is the source of truth.

Authentication is one use case among them. Why it runs on every request instead of an API
Gateway authorizer with a result cache: a revoked key must fail on its very next call and a
suspended tenant must be stopped at once, on every Lambda container. So each request does
two consistent GetItems (the key, then the tenant): O(1), no scan, a few milliseconds. The
admin key is compared in constant time against the value in Secrets Manager (cached).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.accounts.rules import keys, notifications
from chalicelib.accounts.rules.audit import new_record
from chalicelib.accounts.rules.keys import ApiKey, mint_key
from chalicelib.accounts.rules.tenants import Tenant, apply_changes, ensure_active, new_tenant
from chalicelib.analytics import month_period
from chalicelib.core.errors import Forbidden, NotFound, ScopeForbidden, Unauthorized
from chalicelib.core.events import new_event
from chalicelib.core.plans import effective_scope, ensure_scope_allowed, plan_named
from chalicelib.core.tenancy import RequestContext, TenantContext

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.accounts.ports import (
        ApiKeyStore,
        AuditStore,
        JobQueue,
        TenantStore,
        UsageCounters,
    )
    from chalicelib.core.clock import Clock


@dataclass
class AccountPorts:
    tenants: TenantStore
    api_keys: ApiKeyStore
    audit: AuditStore
    counters: UsageCounters
    notifications: JobQueue
    clock: Clock
    admin_key: Callable[[], str]  # read only when a token might be the admin key


def open_tenant(
    ports: AccountPorts, name: str, plan: str, contact_email: str | None, postal_address: str | None
) -> tuple[Tenant, str, ApiKey]:
    """A new active tenant and its first key (full scope where the plan allows it)."""
    now = ports.clock.now_iso()
    tenant = new_tenant(name, plan, now, contact_email=contact_email, postal_address=postal_address)
    ports.tenants.create(tenant, [new_event("tenant.created", tenant.tenant_id, now, plan=plan)])
    scope = "full" if plan_named(plan).full_api else "send"
    token, key = mint_key(tenant.tenant_id, "initial key", scope, now)
    ports.api_keys.create(key)
    if contact_email:
        ports.notifications.enqueue(
            notifications.new_job(
                "tenant.welcome",
                tenant.tenant_id,
                contact_email,
                {"tenant_name": name, "tenant_id": tenant.tenant_id, "plan": plan},
            )
        )
    return tenant, token, key


def find_tenant(ports: AccountPorts, tenant_id: str) -> Tenant:
    tenant = ports.tenants.get(tenant_id) if tenant_id.startswith("ten_") else None
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} not found", {"id": tenant_id})
    return tenant


def change_tenant(ports: AccountPorts, tenant_id: str, changes: dict[str, Any]) -> Tenant:
    tenant = find_tenant(ports, tenant_id)
    now = ports.clock.now_iso()
    updated = apply_changes(tenant, changes, now)
    event = new_event(
        "tenant.updated",
        tenant_id,
        now,
        changes=sorted(k for k, v in changes.items() if v is not None),
        plan=updated.plan,
        status=updated.status,
    )
    ports.tenants.save(updated, [event])
    return updated


def create_key(
    ports: AccountPorts, ctx: TenantContext, name: str, scope: str
) -> tuple[str, ApiKey]:
    ensure_scope_allowed(plan_named(ctx.plan), scope)
    now = ports.clock.now_iso()
    token, key = mint_key(ctx.tenant_id, name, scope, now)
    event = new_event("api_key.created", ctx.tenant_id, now, key_id=key.key_id, scope=scope)
    ports.api_keys.create(key, [event])
    _notify_key(ports, ctx, "api_key.created", key)
    return token, key


def revoke_key(ports: AccountPorts, ctx: TenantContext, key_id: str) -> ApiKey:
    now = ports.clock.now_iso()
    event = new_event("api_key.revoked", ctx.tenant_id, now, key_id=key_id)
    key = ports.api_keys.revoke(ctx, key_id, now, [event]) if key_id.startswith("key_") else None
    if key is None:
        raise NotFound(f"API key {key_id} not found", {"id": key_id})
    _notify_key(ports, ctx, "api_key.revoked", key)
    return key


def notify_tenant(ports: AccountPorts, tenant_id: str, kind: str, facts: dict[str, str]) -> bool:
    """Queue a notification to the tenant's contact address; False when it has none."""
    tenant = ports.tenants.get(tenant_id)
    if tenant is None or not tenant.contact_email:
        return False
    ports.notifications.enqueue(notifications.new_job(kind, tenant_id, tenant.contact_email, facts))
    return True


def _notify_key(ports: AccountPorts, ctx: TenantContext, kind: str, key: ApiKey) -> None:
    tenant = ports.tenants.get(ctx.tenant_id)
    if tenant and tenant.contact_email:
        ports.notifications.enqueue(
            notifications.new_job(
                kind,
                ctx.tenant_id,
                tenant.contact_email,
                {"key_name": key.name, "key_id": key.key_id, "key_prefix": key.prefix},
            )
        )


def usage_this_month(ports: AccountPorts, ctx: TenantContext) -> dict[str, Any]:
    month = ports.clock.now_iso()[:7]
    events = ports.counters.read(ctx.tenant_id, month_period(month))
    sent = events.get("message_sent", 0)
    allowance = plan_named(ctx.plan).emails_per_month
    remaining = None if allowance is None else max(allowance - sent, 0)
    return {"month": month, "emails_sent": sent, "emails_remaining": remaining, "events": events}


# --- authentication and audit ---------------------------------------------------------------


def authenticate(
    ports: AccountPorts, auth: str, token: str | None, request_id: str, source_ip: str
) -> RequestContext:
    """Who calls a route whose auth kind is ``auth`` (admin, full, send). Public routes are
    not authenticated at all: the HTTP pipeline never asks for them."""
    base = RequestContext(request_id=request_id, source_ip=source_ip)
    if token is None:
        raise Unauthorized(
            "missing Authorization: Bearer <key> header", {"header": "Authorization"}
        )
    if auth == "admin":
        return _admin(ports, base, token)
    return _tenant(ports, base, token, auth)


def _is_admin_key(ports: AccountPorts, token: str) -> bool:
    expected = ports.admin_key()
    return bool(token) and hmac.compare_digest(token.encode(), expected.encode())


def _admin(ports: AccountPorts, base: RequestContext, token: str) -> RequestContext:
    if _is_admin_key(ports, token):
        return RequestContext(base.request_id, base.source_ip, is_admin=True)
    if keys.parse_key(token) is not None:
        raise Forbidden("this route needs the platform admin key", {"auth": "admin"})
    raise Unauthorized("the admin key is not valid", {"header": "Authorization"})


def _invalid_key() -> Unauthorized:
    return Unauthorized("the API key is not valid or has been revoked", {"header": "Authorization"})


def _tenant(
    ports: AccountPorts, base: RequestContext, token: str, required_scope: str
) -> RequestContext:
    parsed = keys.parse_key(token)
    record = ports.api_keys.find(parsed.tenant_id, parsed.key_id) if parsed else None
    if parsed is None or record is None or not record.active:
        if parsed is None and token and _is_admin_key(ports, token):
            raise Forbidden("the admin key cannot call tenant routes", {"auth": "tenant"})
        raise _invalid_key()
    if not keys.matches(record, parsed.key_hash):
        raise _invalid_key()
    tenant = ports.tenants.get(record.tenant_id)
    if tenant is None:
        raise _invalid_key()
    ensure_active(tenant)
    scope = effective_scope(plan_named(tenant.plan), record.scope)
    if not keys.scope_allows(scope, required_scope):
        raise ScopeForbidden(
            f"this key's scope is {scope}; this route needs the full scope",
            {"scope": scope, "required": "full"},
        )
    ctx = TenantContext(
        tenant.tenant_id, record.key_id, scope, tenant.plan, base.request_id, base.source_ip
    )
    return RequestContext(base.request_id, base.source_ip, tenant=ctx)


def record_audit(
    ports: AccountPorts,
    action: str,
    ctx: RequestContext,
    tenant_id: str,
    resource_id: str | None,
) -> None:
    """The audit record of one successful mutating call."""
    record = new_record(
        tenant_id,
        action,
        ctx.actor,
        resource_id,
        ctx.request_id,
        ctx.source_ip,
        ports.clock.now_iso(),
    )
    ports.audit.append(record)
