"""The operators' routes (admin key): ``POST /v1/admin/queues/{name}/redrive`` moves a
dead-letter queue's messages back onto the queue they came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.errors import BadRequest
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.http.views import Call
    from chalicelib.operations import service, wiring
else:
    service = lazy.module("chalicelib.operations.service")
    wiring = lazy.module("chalicelib.operations.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
PLATFORM_AUDIT = "_platform"  # the audit's tenant id for operators' actions on no tenant


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return int(service.DEFAULT_LIMIT)
    if not raw.isdigit() or not 1 <= int(raw) <= service.MAX_LIMIT:
        raise BadRequest(
            f"limit must be an integer from 1 to {service.MAX_LIMIT}",
            {"field": "limit", "value": raw[:20]},
        )
    return int(raw)


@route(
    bp,
    "/admin/queues/{name}/redrive",
    "POST",
    auth="admin",
    tag="operations",
    reply="chalicelib.operations.schemas.RedriveReply",
    query=("limit",),
    action="queue.redrive",
    errors=(400, 401, 403, 404, 422),
    summary="Move a dead-letter queue's messages back onto their source queue (at most "
    "`limit`, default 1000); safe to run twice.",
)
def redrive(call: Call, name: str) -> Reply:
    limit = _limit(call.query.get("limit"))
    done = service.redrive(wiring.dead_letters(), wiring.known_queues(), name, limit)
    return Reply(done.to_public(), resource_id=name, audit_tenant_id=PLATFORM_AUDIT)
