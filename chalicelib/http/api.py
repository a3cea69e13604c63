"""The platform's own routes: ``GET /v1/health`` and ``GET /v1/openapi.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.http.views import Call

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]


@route(
    bp,
    "/health",
    "GET",
    auth="public",
    tag="platform",
    reply="chalicelib.http.schemas.HealthReply",
    errors=(503,),
    summary="Health of every component; 503 when one is down.",
)
def health(call: Call) -> Reply:
    from chalicelib.http.health import run_checks

    report = run_checks()
    return Reply(report, 200 if report["status"] == "ok" else 503)


@route(
    bp, "/openapi.json", "GET", auth="public", tag="platform", summary="This OpenAPI 3.1 document."
)
def openapi(call: Call) -> Reply:
    from chalicelib.http.openapi import build_document

    return Reply(build_document())
