"""Who a piece of work runs for: the tenant context every tenant-scoped store asks for, and
the request context the HTTP pipeline resolves once per request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TenantContext:
    """The proof a store asks for: only tenant-scoped code holds one."""

    tenant_id: str
    key_id: str
    scope: str
    plan: str
    request_id: str = ""
    source_ip: str = ""


def system_context(tenant_id: str, plan: str = "", actor: str = "worker") -> TenantContext:
    """The context of platform work (workers, schedules) done for one tenant."""
    return TenantContext(tenant_id=tenant_id, key_id=actor, scope="full", plan=plan)


@dataclass(frozen=True)
class RequestContext:
    """Who is calling: resolved once per request by the authentication middleware."""

    request_id: str
    source_ip: str
    tenant: TenantContext | None = None
    is_admin: bool = False
    headers: tuple[tuple[str, str], ...] = ()  # for the reply (the rate limit's state)

    @property
    def actor(self) -> str:
        if self.is_admin:
            return "admin"
        return self.tenant.key_id if self.tenant else "anonymous"

    @property
    def tenant_id(self) -> str | None:
        return self.tenant.tenant_id if self.tenant else None
