"""Authentication and authorisation for every route, run by the HTTP middleware.

Why middleware and not an API Gateway authorizer with a result cache: a revoked key must
fail on its very next call and a suspended tenant must be stopped at once, on every
Lambda container. So each request does two consistent GetItems (the key, then the
tenant): O(1), no scan, a few milliseconds. The admin key is compared in constant time
against the value in Secrets Manager (cached by Powertools Parameters).
"""

from __future__ import annotations

import hmac

from chalicelib import deps
from chalicelib.api.routing import RouteSpec
from chalicelib.domain import api_keys as keys
from chalicelib.domain.plans import effective_scope, plan_named
from chalicelib.domain.tenants import RequestContext, TenantContext, ensure_active
from chalicelib.errors import Forbidden, ScopeForbidden, Unauthorized
from chalicelib.settings import settings


def authenticate(
    spec: RouteSpec, token: str | None, request_id: str, source_ip: str
) -> RequestContext:
    base = RequestContext(request_id=request_id, source_ip=source_ip)
    if spec.auth == "public":
        return base
    if token is None:
        raise Unauthorized(
            "missing Authorization: Bearer <key> header", {"header": "Authorization"}
        )
    if spec.auth == "admin":
        return _admin(base, token)
    return _tenant(base, token, spec.auth)


def _is_admin_key(token: str) -> bool:
    expected = deps.secrets().get(settings().admin_key_secret)
    return bool(token) and hmac.compare_digest(token.encode(), expected.encode())


def _admin(base: RequestContext, token: str) -> RequestContext:
    if _is_admin_key(token):
        return RequestContext(base.request_id, base.source_ip, is_admin=True)
    if keys.parse_key(token) is not None:
        raise Forbidden("this route needs the platform admin key", {"auth": "admin"})
    raise Unauthorized("the admin key is not valid", {"header": "Authorization"})


def _tenant(base: RequestContext, token: str, required_scope: str) -> RequestContext:
    parsed = keys.parse_key(token)
    record = deps.api_keys().find(parsed.tenant_id, parsed.key_id) if parsed else None
    if record is None or not record.active or not keys.matches(record, parsed.key_hash):
        if parsed is None and token and _is_admin_key(token):
            raise Forbidden("the admin key cannot call tenant routes", {"auth": "tenant"})
        raise Unauthorized(
            "the API key is not valid or has been revoked", {"header": "Authorization"}
        )
    tenant = deps.tenants().get(record.tenant_id)
    if tenant is None:
        raise Unauthorized(
            "the API key is not valid or has been revoked", {"header": "Authorization"}
        )
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
