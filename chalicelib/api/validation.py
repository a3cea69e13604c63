"""Request bodies through pydantic: every problem named by its field.

Wrong types, unknown fields and missing fields are 400 ``validation_error`` with one
detail per field; rules about state (plan limits, conflicts) are decided later.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from chalicelib.errors import ValidationFailed


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
