"""Declaring a route: its auth, body model, reply model and audit action, next to the view.

``route`` registers the Chalice view and records the declaration (``spec.ROUTES``), which the
auth middleware, the audit hook and the OpenAPI generator all read. Models are named as
strings and imported on first use, so registering routes costs nothing at cold start.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalicelib.http.spec import AUTH_KINDS, ROUTES, Reply, RouteSpec
from chalicelib.http.views import run_view

View = Callable[..., Reply]
# Bodies are always parsed as JSON. curl's ``-d`` labels them form-urlencoded, so that label
# is accepted too; anything else (XML, multipart, …) is a 415.
BODY_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]


def route(
    bp: Any, path: str, method: str, *, auth: str, summary: str, tag: str, **extra: Any
) -> Callable[[View], View]:
    """Declare and register one route; the view gets a ``Call`` and the path parameters."""
    if auth not in AUTH_KINDS:
        raise ValueError(f"auth must be one of {AUTH_KINDS}")
    full_path = getattr(bp, "pm_prefix", "") + path
    spec = RouteSpec(full_path, method, auth, summary, tag, **extra)
    ROUTES[(full_path, method)] = spec

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def chalice_view(**params: str) -> Any:
            return run_view(bp.current_request, spec, view, params)

        bp.route(path, methods=[method], content_types=BODY_TYPES)(chalice_view)
        return view

    return decorator
