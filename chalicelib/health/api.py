"""Alerts and the health view: ``GET /v1/alerts`` (newest first, filters ``kind`` and
``status``) and ``GET /v1/analytics/health?mailbox_id|domain_id``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import parse_limit
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.health import view, wiring
    from chalicelib.http.views import Call
else:
    view = lazy.module("chalicelib.health.view")
    wiring = lazy.module("chalicelib.health.wiring")

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.health.schemas."


def _choice(call: Call, name: str, allowed: tuple[str, ...]) -> str | None:
    value = call.query.get(name)
    if value is not None and value not in allowed:
        raise BadRequest(
            f"{name} must be one of {', '.join(allowed)}", {"field": name, "allowed": allowed}
        )
    return value


@route(
    bp,
    "/alerts",
    "GET",
    auth="full",
    tag="analytics",
    reply=M + "AlertPage",
    query=("limit", "next_token", "kind", "status"),
    errors=(400, 401, 403),
    summary="Alerts, newest day first, each with its inputs, threshold, action and outcome.",
)
def list_alerts(call: Call) -> Reply:
    from chalicelib.health.rules.alerts import KINDS, STATUSES

    kind, status = _choice(call, "kind", KINDS), _choice(call, "status", STATUSES)
    page = wiring.alerts().list(
        call.tenant.tenant_id,
        parse_limit(call.query.get("limit")),
        call.query.get("next_token"),
        kind,
        status,
    )
    return Reply(page.shaped(lambda a: a.to_public()))


def _scope(call: Call) -> str:
    given = {n: call.query.get(n) for n in ("mailbox_id", "domain_id") if call.query.get(n)}
    if len(given) != 1:
        raise BadRequest(
            "give exactly one of mailbox_id or domain_id", {"field": "mailbox_id|domain_id"}
        )
    name, value = next(iter(given.items()))
    return f"{name.removesuffix('_id')}:{value}"


@route(
    bp,
    "/analytics/health",
    "GET",
    auth="full",
    tag="analytics",
    reply=M + "HealthReply",
    query=("mailbox_id", "domain_id"),
    errors=(400, 401, 403, 404),
    summary="A mailbox's or domain's health score in four parts, its anomaly detections and "
    "its spam-rate forecast, each with inputs, thresholds and decisions.",
)
def get_health(call: Call) -> Reply:
    return Reply(view.health(wiring.ports(), call.tenant.tenant_id, _scope(call)))
