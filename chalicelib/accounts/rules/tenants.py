"""Tenants: creation, and plan, status and contact changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.core import ids
from chalicelib.core.errors import Conflict, TenantSuspended
from chalicelib.core.plans import Plan, plan_named

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
