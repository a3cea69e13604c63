"""Tenants: creation, plan and status changes, and the context every request runs in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain import ids
from chalicelib.domain.plans import Plan, plan_named
from chalicelib.errors import Conflict, TenantSuspended

TENANT_STATUSES = ("active", "suspended")


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    plan: str
    status: str
    created_at: str
    updated_at: str
    contact_email: str | None = None
    postal_address: str | None = None

    @property
    def plan_rules(self) -> Plan:
        return plan_named(self.plan)

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.tenant_id,
            "name": self.name,
            "plan": self.plan,
            "status": self.status,
            "contact_email": self.contact_email,
            "postal_address": self.postal_address,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def new_tenant(name: str, plan: str, now: str, **extra: Any) -> Tenant:
    return Tenant(
        tenant_id=ids.new_id("ten"),
        name=name,
        plan=plan,
        status="active",
        created_at=now,
        updated_at=now,
        **extra,
    )


def apply_changes(tenant: Tenant, changes: dict[str, Any], now: str) -> Tenant:
    """Plan, status, name and contact changes; the status may only be active or suspended."""
    status = changes.get("status", tenant.status)
    if status not in TENANT_STATUSES:
        raise Conflict(f"status {status!r} is not one of {list(TENANT_STATUSES)}")
    allowed = {k: v for k, v in changes.items() if v is not None}
    return replace(tenant, **allowed, updated_at=now)


def ensure_active(tenant: Tenant) -> None:
    if tenant.status != "active":
        raise TenantSuspended("this tenant is suspended; contact support", {"tenant": "suspended"})


@dataclass(frozen=True)
class TenantContext:
    """The proof a repository asks for: only tenant-scoped code holds one."""

    tenant_id: str
    key_id: str
    scope: str
    plan: str
    request_id: str = ""
    source_ip: str = ""


@dataclass(frozen=True)
class RequestContext:
    """Who is calling: resolved once per request by the authentication middleware."""

    request_id: str
    source_ip: str
    tenant: TenantContext | None = None
    is_admin: bool = False

    @property
    def actor(self) -> str:
        if self.is_admin:
            return "admin"
        return self.tenant.key_id if self.tenant else "anonymous"

    @property
    def tenant_id(self) -> str | None:
        return self.tenant.tenant_id if self.tenant else None
