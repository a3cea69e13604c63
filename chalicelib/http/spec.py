"""What a route declares (auth, body and reply models, audit action, errors) and what a view
returns; the table of every declaration, read by the middleware, the view runner and the
OpenAPI generator."""

from __future__ import annotations

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


def spec_for(path: str, method: str) -> RouteSpec | None:
    return ROUTES.get((path, method))
