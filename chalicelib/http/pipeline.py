"""What happens around every request, before and after its view (``views.run_view``): the
body size limit, the request id, authentication (the accounts feature's, through
``hooks``), one JSON log line and EMF metrics per request, and the error envelope for
anything Chalice answers itself. Every line logged while a request is served carries its
request id and ``"function": "api"`` (``powertools.log_scope``). Nothing a client sends can
make it answer a 500 with a stack trace.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.aws import powertools
from chalicelib.core.errors import AppError, PayloadTooLarge
from chalicelib.core.settings import settings
from chalicelib.core.tenancy import RequestContext
from chalicelib.http import hooks
from chalicelib.http.spec import spec_for
from chalicelib.http.views import error_response, raw_body, with_context

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalice import Response

API_FUNCTION = "api"  # the ``function`` key of the API's log lines, beside the workers' names
_warm = threading.Lock()  # taken by the first request: the one that paid the cold start


def http_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    started = time.perf_counter()
    request_id = _request_id(event)
    cold = _warm.acquire(blocking=False)
    with powertools.log_scope(function=API_FUNCTION, request_id=request_id, cold_start=cold):
        return _respond(event, request_id, get_response, started)


def _respond(
    event: Any, request_id: str, get_response: Callable[[Any], Response], started: float
) -> Response:
    seen: dict[str, Any] = {}
    try:
        response = _authenticate_then_respond(event, request_id, get_response, seen)
    except AppError as error:
        response = error_response(error, request_id)
    except Exception:  # noqa: BLE001 - the last line of defence: never leak a stack trace
        powertools.logger().exception("unhandled error before the view", extra={"path": event.path})
        response = error_response(AppError("internal error"), request_id)
    response = _envelope_chalice_errors(response)
    response.headers["X-Request-Id"] = request_id
    if seen.get("ctx") is not None:
        response.headers.update(dict(seen["ctx"].headers))  # the rate limit's state
    _observe(event, response, started, seen.get("ctx"))
    return response


def _authenticate_then_respond(
    event: Any, request_id: str, get_response: Callable[[Any], Response], seen: dict[str, Any]
) -> Response:
    resource = event.context.get("resourcePath", "")
    spec = spec_for(resource, event.method)
    limit = (spec.max_body if spec else None) or settings().max_body_bytes
    if len(raw_body(event)) > limit:
        raise PayloadTooLarge(f"request body is over {limit} bytes", {"limit_bytes": limit})
    source_ip = event.context.get("identity", {}).get("sourceIp", "")
    token = _bearer(event.headers.get("authorization"))
    if spec is None:
        ctx = None  # Chalice answers it (404, 405): no view runs
    elif spec.auth == "public":  # the pixel, the click: nobody to authenticate, nothing loaded
        ctx = RequestContext(request_id=request_id, source_ip=source_ip)
    else:
        ctx = hooks.authenticator()(spec.auth, token, request_id, source_ip)
    seen["ctx"] = ctx
    return with_context(ctx, lambda: get_response(event))


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


def _observe(event: Any, response: Response, started: float, ctx: RequestContext | None) -> None:
    """One line per request; its request id, cold start and function come from the scope."""
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    log, metrics = powertools.logger(), powertools.metrics()
    log.info(
        "request",
        extra={
            "method": event.method,
            "path": event.context.get("resourcePath"),
            "status": response.status_code,
            "latency_ms": elapsed_ms,
            "tenant_id": ctx.tenant_id if ctx else None,
        },
    )
    from aws_lambda_powertools.metrics import MetricUnit

    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    if response.status_code >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
