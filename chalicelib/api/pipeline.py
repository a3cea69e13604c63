"""What happens around every view: authentication, body parsing, errors, audit, logs.

``http_middleware`` runs first (size limit, request id, auth, logging, metrics, and the
error envelope for anything Chalice answers itself); ``run_view`` wraps each view (body
validation, the domain call, the audit record, AppError → envelope). No client input can
reach the client as a 500: unexpected exceptions are logged and answered with an
``internal_error`` envelope that says nothing about the cause.
"""

from __future__ import annotations

import contextvars
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice import Response

from chalicelib import deps
from chalicelib.api.routing import Reply, RouteSpec, spec_for
from chalicelib.errors import AppError, BadRequest, PayloadTooLarge
from chalicelib.settings import settings

_context: contextvars.ContextVar[Any] = contextvars.ContextVar("pm_request_context")
_cold_start = True


@dataclass
class Call:
    """Everything a view needs about its request."""

    ctx: Any  # RequestContext
    tenant: Any  # TenantContext | None
    body: Any
    query: dict[str, str]
    headers: Any
    raw: Any = None


def error_response(error: AppError, request_id: str = "") -> Response:
    headers = {"Content-Type": "application/json"}
    if request_id:
        headers["X-Request-Id"] = request_id
    return Response(body=error.to_body(), status_code=error.status, headers=headers)


def http_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    global _cold_start
    started = time.perf_counter()
    request_id = _request_id(event)
    cold, _cold_start = _cold_start, False
    seen: dict[str, Any] = {}
    try:
        response = _authenticate_then_respond(event, request_id, get_response, seen)
    except AppError as error:
        response = error_response(error, request_id)
    except Exception:  # noqa: BLE001 - the last line of defence: never leak a stack trace
        deps.logger().exception("unhandled error before the view", extra={"path": event.path})
        response = error_response(AppError("internal error"), request_id)
    response = _envelope_chalice_errors(response)
    response.headers["X-Request-Id"] = request_id
    _observe(event, response, request_id, cold, started, seen.get("ctx"))
    return response


def _authenticate_then_respond(
    event: Any, request_id: str, get_response: Callable[[Any], Response], seen: dict[str, Any]
) -> Response:
    from chalicelib.api.auth import authenticate

    resource = event.context.get("resourcePath", "")
    spec = spec_for(resource, event.method)
    limit = (spec.max_body if spec else None) or settings().max_body_bytes
    if len(raw_body(event)) > limit:
        raise PayloadTooLarge(f"request body is over {limit} bytes", {"limit_bytes": limit})
    source_ip = event.context.get("identity", {}).get("sourceIp", "")
    token = _bearer(event.headers.get("authorization"))
    ctx = authenticate(spec, token, request_id, source_ip) if spec else None
    seen["ctx"] = ctx
    handle = _context.set(ctx)
    try:
        return get_response(event)
    finally:
        _context.reset(handle)


def raw_body(request: Any) -> bytes:
    """The body as bytes; a body that cannot be UTF-8 at all is the client's error."""
    try:
        return request.raw_body or b""
    except (UnicodeError, ValueError) as exc:
        raise BadRequest("body is not valid UTF-8", {"field": "body"}) from exc


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else ""


def _request_id(event: Any) -> str:
    context = getattr(event, "lambda_context", None)
    return (
        getattr(context, "aws_request_id", None)
        or event.context.get("requestId")
        or str(uuid.uuid4())
    )


_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequest": "bad_request",
    "InternalServerError": "internal_error",
}


def _envelope_chalice_errors(response: Response) -> Response:
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = _CHALICE_CODES.get(body["Code"], "error")
        message = body.get("Message", "") if code != "internal_error" else "internal error"
        response.body = {"error": {"code": code, "message": message, "details": {}}}
        response.headers["Content-Type"] = "application/json"
    return response


def _observe(
    event: Any, response: Response, request_id: str, cold: bool, started: float, ctx: Any
) -> None:
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    log, metrics = deps.logger(), deps.metrics()
    log.info(
        "request",
        extra={
            "request_id": request_id,
            "cold_start": cold,
            "method": event.method,
            "path": event.context.get("resourcePath"),
            "status": response.status_code,
            "latency_ms": elapsed_ms,
            "tenant_id": getattr(ctx, "tenant_id", None),
        },
    )
    from aws_lambda_powertools.metrics import MetricUnit

    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    if response.status_code >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()


def current_context() -> Any:
    return _context.get(None)


def run_view(bp: Any, spec: RouteSpec, view: Callable[..., Reply], params: dict[str, str]) -> Any:
    request = bp.current_request
    ctx = current_context()
    try:
        call = Call(
            ctx=ctx,
            tenant=ctx.tenant if ctx else None,
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
        deps.logger().exception("unhandled error in view", extra={"path": spec.path})
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
    from chalicelib.api.validation import validate_body

    return validate_body(spec.body, data)


def _audit(spec: RouteSpec, call: Call, reply: Reply) -> None:
    if not spec.action:
        return
    from chalicelib.domain.audit import new_record

    tenant_id = reply.audit_tenant_id or (call.tenant.tenant_id if call.tenant else None)
    if tenant_id is None:
        raise RuntimeError(f"route {spec.path} audits {spec.action} but names no tenant")
    record = new_record(
        tenant_id,
        spec.action,
        call.ctx.actor,
        reply.resource_id,
        call.ctx.request_id,
        call.ctx.source_ip,
        deps.clock().now_iso(),
    )
    deps.audit().append(record)
