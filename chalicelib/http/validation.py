"""Request bodies through pydantic: every problem named by its field; and the text and
address checks the request models use (plain functions, so a route can check one value
without importing pydantic at cold start).

Wrong types, unknown fields and missing fields are 400 ``validation_error`` with one
detail per field; rules about state (plan limits, conflicts) are decided later.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from chalicelib.core.errors import ValidationFailed


@cache
def model_named(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def validate_body(model_path: str, data: Any) -> Any:
    from pydantic import ValidationError

    model = model_named(model_path)
    if not isinstance(data, dict):
        raise ValidationFailed("body must be a JSON object", {"field": "body"})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": _field(e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        raise ValidationFailed(f"invalid request body: {summary}", {"fields": problems}) from exc


def no_control_chars(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters such as CR or LF")
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


def no_cr_lf(value: str) -> str:
    if "\r" in value or "\0" in value:
        raise ValueError("must not contain CR or NUL characters")
    return value


def email_address(value: str) -> str:
    """RFC 5321 address checked by email-validator, domain part normalised (IDN → A-label
    aware). Reserved test domains (``.test``, RFC 2606) are accepted so the local platform's
    simulator addresses work; they can never be delivered anywhere real."""
    from email_validator import EmailNotValidError, validate_email

    if "\r" in value or "\n" in value:
        raise ValueError("must not contain CR or LF")
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc
