"""The route table: every route declares its auth, body model, reply model and audit action.

``route`` registers the Chalice view and records the declaration, which the auth
middleware, the audit hook and the OpenAPI generator all read. Models are named as
strings and imported on first use, so registering routes costs nothing at cold start.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

AUTH_KINDS = ("public", "admin", "full", "send")


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    auth: str
    summary: str
    tag: str
    body: str | None = None
    reply: str | None = None
    status: int = 200
    action: str | None = None
    query: tuple[str, ...] = ()
    errors: tuple[int, ...] = field(default=())
    max_body: int | None = None


@dataclass
class Reply:
    body: Any
    status: int = 200
    resource_id: str | None = None
    audit_tenant_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


ROUTES: dict[tuple[str, str], RouteSpec] = {}
# Bodies are always parsed as JSON. curl's ``-d`` labels them form-urlencoded, so that label
# is accepted too; anything else (XML, multipart, …) is a 415.
BODY_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]


def route(
    bp: Any, path: str, method: str, *, auth: str, summary: str, tag: str, **extra: Any
) -> Callable[[Callable[..., Reply]], Callable[..., Reply]]:
    """Declare and register one route; the view gets a ``Call`` and the path parameters."""
    if auth not in AUTH_KINDS:
        raise ValueError(f"auth must be one of {AUTH_KINDS}")
    full_path = getattr(bp, "pm_prefix", "") + path
    spec = RouteSpec(full_path, method, auth, summary, tag, **extra)
    ROUTES[(full_path, method)] = spec

    def decorator(view: Callable[..., Reply]) -> Callable[..., Reply]:
        @functools.wraps(view)
        def chalice_view(**params: str) -> Any:
            from chalicelib.api.pipeline import run_view

            return run_view(bp, spec, view, params)

        bp.route(path, methods=[method], content_types=BODY_TYPES)(chalice_view)
        return view

    return decorator


def spec_for(path: str, method: str) -> RouteSpec | None:
    return ROUTES.get((path, method))
