"""Use cases for tenants and their API keys, written against the ports only.

Each use case stores first, then publishes its event and queues any notification; both
of those are best-effort here (the publisher and queue adapters log and count a failure)
because the stored record, not the event, is the source of truth for these resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain import notifications
from chalicelib.domain.api_keys import ApiKey, mint_key
from chalicelib.domain.events import new_event
from chalicelib.domain.plans import ensure_scope_allowed, plan_named
from chalicelib.domain.tenants import Tenant, TenantContext, apply_changes, new_tenant
from chalicelib.errors import NotFound


@dataclass
class Ports:
    tenants: Any
    api_keys: Any
    events: Any
    notifications: Any
    clock: Any


def open_tenant(
    ports: Ports, name: str, plan: str, contact_email: str | None, postal_address: str | None
) -> tuple[Tenant, str, ApiKey]:
    """A new active tenant and its first key (full scope where the plan allows it)."""
    now = ports.clock.now_iso()
    tenant = new_tenant(name, plan, now, contact_email=contact_email, postal_address=postal_address)
    ports.tenants.create(tenant)
    scope = "full" if plan_named(plan).full_api else "send"
    token, key = mint_key(tenant.tenant_id, "initial key", scope, now)
    ports.api_keys.create(key)
    ports.events.publish(new_event("tenant.created", tenant.tenant_id, now, plan=plan))
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


def find_tenant(ports: Ports, tenant_id: str) -> Tenant:
    tenant = ports.tenants.get(tenant_id) if tenant_id.startswith("ten_") else None
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} not found", {"id": tenant_id})
    return tenant


def change_tenant(ports: Ports, tenant_id: str, changes: dict[str, Any]) -> Tenant:
    tenant = find_tenant(ports, tenant_id)
    now = ports.clock.now_iso()
    updated = apply_changes(tenant, changes, now)
    ports.tenants.save(updated)
    ports.events.publish(
        new_event(
            "tenant.updated",
            tenant_id,
            now,
            changes=sorted(k for k, v in changes.items() if v is not None),
            plan=updated.plan,
            status=updated.status,
        )
    )
    return updated


def create_key(ports: Ports, ctx: TenantContext, name: str, scope: str) -> tuple[str, ApiKey]:
    ensure_scope_allowed(plan_named(ctx.plan), scope)
    now = ports.clock.now_iso()
    token, key = mint_key(ctx.tenant_id, name, scope, now)
    ports.api_keys.create(key)
    ports.events.publish(
        new_event("api_key.created", ctx.tenant_id, now, key_id=key.key_id, scope=scope)
    )
    _notify_key(ports, ctx, "api_key.created", key)
    return token, key


def revoke_key(ports: Ports, ctx: TenantContext, key_id: str) -> ApiKey:
    now = ports.clock.now_iso()
    key = ports.api_keys.revoke(ctx, key_id, now) if key_id.startswith("key_") else None
    if key is None:
        raise NotFound(f"API key {key_id} not found", {"id": key_id})
    ports.events.publish(new_event("api_key.revoked", ctx.tenant_id, now, key_id=key_id))
    _notify_key(ports, ctx, "api_key.revoked", key)
    return key


def _notify_key(ports: Ports, ctx: TenantContext, kind: str, key: ApiKey) -> None:
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


def usage_this_month(ports: Ports, ctx: TenantContext) -> dict[str, Any]:
    month = ports.clock.now_iso()[:7]
    events = ports.tenants.usage(ctx, month)
    sent = events.get("message_sent", 0)
    allowance = plan_named(ctx.plan).emails_per_month
    remaining = None if allowance is None else max(allowance - sent, 0)
    return {"month": month, "emails_sent": sent, "emails_remaining": remaining, "events": events}
