"""The reply contract of the functional tier: every JSON reply is exactly what the route's
declared reply model (the source of the OpenAPI document) says it is.

``check_reply`` is called by ``Api.call`` for every request. It finds the route declaration
for the concrete path and method, then

* for a 2xx reply of a route that declares a ``reply`` model, checks the body against it;
* for a 4xx/5xx reply with a JSON body, checks the body against ``ErrorReply`` (the health
  report is the one route whose 503 carries its own model, see ``OWN_MODEL_ON_ERROR``);
* skips routes that answer no JSON (tracking pixel, redirect, HTML pages, openapi.json).

``strict_problems`` is the check itself, and it is stricter than pydantic's own validation
(reply models do not forbid extra keys, so pydantic alone would let them through):

1. every key of the body is declared by the model (by its alias, as the API spells it),
   recursively through nested models, lists, tuples, unions and ``dict[str, Model]``;
   a field typed as a bare ``dict`` (``metadata``, ``details``, ``dkim``…) is free-form;
2. the body validates with ``model_validate_json(strict=True)``: every required field is
   present and every value has the declared JSON type (no string-to-number coercion).
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from chalicelib.http.spec import ROUTES, RouteSpec
from chalicelib.http.validation import model_named

ERROR_MODEL = "chalicelib.http.schemas.ErrorReply"
# (path template, method, status) whose error reply is the route's own reply model rather
# than the error envelope: ``GET /v1/health`` answers its report with 503 when a component
# is down.
OWN_MODEL_ON_ERROR = frozenset({("/v1/health", "GET", 503)})

_UNION_ORIGINS: tuple[Any, ...] = (Union, types.UnionType)
_SEQUENCE_ORIGINS: tuple[Any, ...] = (list, tuple, set, frozenset, Sequence)
_MAPPING_ORIGINS: tuple[Any, ...] = (dict, Mapping)


class ReplyContractError(AssertionError):
    """A reply that is not what its route declares."""


def route_for(method: str, path: str) -> RouteSpec | None:
    """The declaration the concrete ``path`` (query string allowed) answers to: literal
    segments must be equal, a ``{param}`` segment matches any non-empty segment, and the
    template with the most literal segments wins (``/v1/messages/batch`` over
    ``/v1/messages/{message_id}``)."""
    import app  # noqa: F401 - registering the routes fills ROUTES

    parts = urlsplit(path).path.split("/")
    best: tuple[int, RouteSpec] | None = None
    for (template, declared_method), spec in ROUTES.items():
        if declared_method != method.upper():
            continue
        pattern = template.split("/")
        if len(pattern) != len(parts):
            continue
        literal = 0
        for want, got in zip(pattern, parts, strict=True):
            if want.startswith("{") and want.endswith("}"):
                if not got:
                    break
            elif want != got:
                break
            else:
                literal += 1
        else:
            if best is None or literal > best[0]:
                best = (literal, spec)
    return best[1] if best else None


def expected_model(spec: RouteSpec | None, status: int) -> str | None:
    """The dotted name of the model a reply with ``status`` must match, or None to skip."""
    if status >= 400:
        if spec is not None and (spec.path, spec.method, status) in OWN_MODEL_ON_ERROR:
            return spec.reply
        return ERROR_MODEL
    if 200 <= status < 300 and spec is not None:
        return spec.reply
    return None


def check_reply(method: str, path: str, status: int, data: Any) -> None:
    """Raise ``ReplyContractError`` when the reply to ``method path`` breaks its contract.
    ``data`` is the parsed JSON body (None when the body was empty)."""
    spec = route_for(method, path)
    model_path = expected_model(spec, status)
    if model_path is None:
        return
    if data is None:
        if status >= 400:
            return  # an error without a body: nothing to hold to the envelope
        raise ReplyContractError(f"{method} {path} -> {status}: empty body, {model_path} declared")
    problems = strict_problems(model_named(model_path), data)
    if problems:
        listed = "\n  ".join(problems)
        raise ReplyContractError(
            f"{method} {path} -> {status}: the reply does not match {model_path}:\n  {listed}"
            f"\nbody: {json.dumps(data)[:2000]}"
        )


def strict_problems(model: type[BaseModel], data: Any) -> list[str]:
    """Everything wrong with ``data`` as a ``model`` reply; empty when it matches."""
    problems = undeclared_keys(model, data)
    try:
        model.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            where = ".".join(str(part) for part in error["loc"]) or "body"
            problems.append(f"{where}: {error['msg']} ({error['type']})")
    return problems


def undeclared_keys(model: type[BaseModel], data: Any, where: str = "") -> list[str]:
    """Keys of ``data`` that ``model`` (or a model nested in it) does not declare."""
    if not isinstance(data, dict):
        return []  # a wrong type is reported by the validation
    declared = {
        (info.serialization_alias or info.alias or name): info
        for name, info in model.model_fields.items()
    }
    problems: list[str] = []
    for key, value in data.items():
        here = f"{where}.{key}" if where else str(key)
        info = declared.get(key)
        if info is None:
            problems.append(f"{here}: key not declared by {model.__name__}")
            continue
        problems += _walk(info.annotation, value, here)
    return problems


def _walk(annotation: Any, value: Any, where: str) -> list[str]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _walk(get_args(annotation)[0], value, where)
    if origin in _UNION_ORIGINS:
        if value is None:
            return []
        members = [m for m in get_args(annotation) if _fits(m, value)]
        found = [_walk(member, value, where) for member in members]
        if not found or any(not problems for problems in found):
            return []
        return found[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return undeclared_keys(annotation, value, where)
    args = get_args(annotation)
    if origin in _SEQUENCE_ORIGINS and args and isinstance(value, list):
        item_types = args if origin is tuple and Ellipsis not in args else (args[0],) * len(value)
        problems: list[str] = []
        for index, (item_type, item) in enumerate(zip(item_types, value, strict=False)):
            problems += _walk(item_type, item, f"{where}[{index}]")
        return problems
    if origin in _MAPPING_ORIGINS and len(args) == 2 and isinstance(value, dict):
        problems = []
        for key, item in value.items():
            problems += _walk(args[1], item, f"{where}.{key}")
        return problems
    return []  # a scalar, or a free-form ``dict`` / ``Any``


def _fits(annotation: Any, value: Any) -> bool:
    """Whether a union member could describe ``value``'s JSON shape (object or array)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _fits(get_args(annotation)[0], value)
    if annotation is Any:
        return True
    if isinstance(value, dict):
        return (
            isinstance(annotation, type) and issubclass(annotation, (BaseModel, dict))
        ) or origin in _MAPPING_ORIGINS
    if isinstance(value, list):
        return annotation in (list, tuple) or origin in _SEQUENCE_ORIGINS
    return True
