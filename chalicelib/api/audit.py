"""The tenant's audit log, newest first."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import deps
from chalicelib.api.pipeline import Call
from chalicelib.api.routing import Reply, route
from chalicelib.domain.pagination import parse_limit

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"


@route(
    bp,
    "/audit",
    "GET",
    auth="full",
    tag="audit",
    reply="chalicelib.api.models.AuditPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="Audit records of every mutating call, newest first, with cursor pagination.",
)
def list_audit(call: Call) -> Reply:
    page = deps.audit().list(
        call.tenant, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(page.to_public())
