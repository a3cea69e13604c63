"""Running one view: the request context from the middleware, the body parsed and validated
against the route's model, the view called, the audit record written for a successful
mutation, and every error turned into the envelope. No client input reaches the client as a
500: unexpected exceptions are logged and answered with an ``internal_error`` envelope that
says nothing about the cause."""

from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.aws import powertools
from chalicelib.core.errors import AppError, BadRequest
from chalicelib.core.tenancy import RequestContext, TenantContext
from chalicelib.http import hooks

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from chalicelib.http.spec import Reply, RouteSpec

_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "pm_request_context"
)


@dataclass
class Call:
    """Everything a view needs about its request."""

    ctx: RequestContext
    body: Any
    query: dict[str, str]
    headers: Mapping[str, str]
    raw: Any = None

    @property
    def tenant(self) -> TenantContext:
        """The calling tenant (routes with tenant auth always have one)."""
        if self.ctx.tenant is None:
            raise RuntimeError("this route is not authenticated as a tenant")
        return self.ctx.tenant


def error_response(error: AppError, request_id: str = "") -> Response:
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if request_id:
        headers["X-Request-Id"] = request_id
    headers.update(error.headers())
    return Response(body=error.to_body(), status_code=error.status, headers=headers)


def raw_body(request: Any) -> bytes:
    """The body as bytes; a body that cannot be UTF-8 at all is the client's error."""
    try:
        return request.raw_body or b""
    except (UnicodeError, ValueError) as exc:
        raise BadRequest("body is not valid UTF-8", {"field": "body"}) from exc


def with_context(ctx: RequestContext | None, respond: Callable[[], Response]) -> Response:
    """Run ``respond`` with ``ctx`` as the current request's context."""
    handle = _context.set(ctx)
    try:
        return respond()
    finally:
        _context.reset(handle)


def run_view(
    request: Any, spec: RouteSpec, view: Callable[..., Reply], params: dict[str, str]
) -> Response:
    ctx = _context.get(None) or RequestContext(request_id="", source_ip="")
    try:
        call = Call(
            ctx=ctx,
            body=_parse_body(spec, request),
            query=dict(request.query_params or {}),
            headers=request.headers,
            raw=request,
        )
        reply = view(call, **params)
        _audit(spec, call, reply)
    except AppError as error:
        return error_response(error)
    except Exception:  # noqa: BLE001 - answered as an opaque 500 and logged with its cause
        powertools.logger().exception("unhandled error in view", extra={"path": spec.path})
        return error_response(AppError("internal error"))
    return Response(
        body=reply.body,
        status_code=reply.status,
        headers={"Content-Type": "application/json", **reply.headers},
    )


def _parse_body(spec: RouteSpec, request: Any) -> Any:
    if spec.body is None:
        return None
    raw = raw_body(request)
    if not raw.strip():
        raise BadRequest("a JSON object body is required", {"field": "body"})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}", {"field": "body"}) from exc
    except RecursionError as exc:
        raise BadRequest("body is nested too deeply", {"field": "body"}) from exc
    from chalicelib.http.validation import validate_body

    return validate_body(spec.body, data)


def _audit(spec: RouteSpec, call: Call, reply: Reply) -> None:
    if not spec.action:
        return
    tenant_id = reply.audit_tenant_id or call.ctx.tenant_id
    if tenant_id is None:
        raise RuntimeError(f"route {spec.path} audits {spec.action} but names no tenant")
    hooks.auditor()(spec.action, call.ctx, tenant_id, reply.resource_id)
