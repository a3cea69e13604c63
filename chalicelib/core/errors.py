"""The exception hierarchy. The HTTP status is chosen by type, never by message text.

Every error a client can cause is an ``AppError``; the API layer turns it into the
envelope ``{"error": {"code", "message", "details"}}`` with ``status``.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}

    def headers(self) -> dict[str, str]:
        """Headers the reply carries besides the envelope (``Retry-After`` on a 429)."""
        return {}


class BadRequest(AppError):
    """Malformed request: bad JSON, wrong types, unknown fields, bad query parameters."""

    status = 400
    code = "bad_request"


class ValidationFailed(BadRequest):
    status = 400
    code = "validation_error"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class ScopeForbidden(Forbidden):
    code = "insufficient_scope"


class PlanForbidden(Forbidden):
    code = "plan_limit"


class TenantSuspended(Forbidden):
    code = "tenant_suspended"


class NotFound(AppError):
    """Missing, or belonging to another tenant: the two are never told apart."""

    status = 404
    code = "not_found"


class MethodNotAllowed(AppError):
    status = 405
    code = "method_not_allowed"


class Conflict(AppError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"


class UnprocessableEntity(AppError):
    """Valid JSON that breaks a rule."""

    status = 422
    code = "unprocessable"


class TooManyRequests(AppError):
    status = 429
    code = "rate_limited"


class RateLimited(TooManyRequests):
    """Too many requests in the window: the reply says when to retry (``Retry-After``) and
    the window's state (``RateLimit-*``)."""

    def __init__(
        self, message: str, details: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, details)
        self._headers = headers or {}

    def headers(self) -> dict[str, str]:
        return dict(self._headers)


class QuotaExceeded(TooManyRequests):
    code = "quota_exceeded"


class ServiceUnavailable(AppError):
    """A dependency we need is down; the client may retry."""

    status = 503
    code = "service_unavailable"
