"""A mailbox's warm-up: start it on a plan, read its day, target, rates and decisions,
pause, resume and stop it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.http.views import Call
    from chalicelib.warmup import service, wiring
else:
    service = lazy.module("chalicelib.warmup.service")
    wiring = lazy.module("chalicelib.warmup.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.warmup.schemas."
ONE = "/mailboxes/{mailbox_id}/warmup"


@route(
    bp,
    ONE,
    "POST",
    auth="full",
    tag="warmup",
    body=M + "StartWarmup",
    reply=M + "WarmupReply",
    status=201,
    action="warmup.start",
    errors=(400, 401, 403, 404, 409),
    summary="Start the mailbox's warm-up on a plan (the mailbox becomes warming); 409 when "
    "it is warming already or the mailbox is paused.",
)
def start_warmup(call: Call, mailbox_id: str) -> Reply:
    b = call.body
    warmup = service.start(wiring.ports(), call.tenant, mailbox_id, b.plan, b.pool)
    return Reply(service.to_public(warmup), 201, resource_id=mailbox_id)


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="warmup",
    reply=M + "WarmupReply",
    errors=(401, 403, 404),
    summary="The warm-up: day, today's target and volume, inbox vs spam placement, opens and "
    "replies the pool saw today, rates, the last decision and why, every day's history.",
)
def get_warmup(call: Call, mailbox_id: str) -> Reply:
    return Reply(service.view(wiring.ports(), call.tenant, mailbox_id))


@route(
    bp,
    ONE + "/pause",
    "POST",
    auth="full",
    tag="warmup",
    reply=M + "WarmupReply",
    action="warmup.pause",
    errors=(401, 403, 404, 409),
    summary="Pause the warm-up (409 unless warming); it resumes on the same warm-up day.",
)
def pause_warmup(call: Call, mailbox_id: str) -> Reply:
    warmup = service.pause(wiring.ports(), call.tenant, mailbox_id)
    return Reply(service.to_public(warmup), resource_id=mailbox_id)


@route(
    bp,
    ONE + "/resume",
    "POST",
    auth="full",
    tag="warmup",
    reply=M + "WarmupReply",
    action="warmup.resume",
    errors=(401, 403, 404, 409),
    summary="Resume a paused warm-up (409 unless paused).",
)
def resume_warmup(call: Call, mailbox_id: str) -> Reply:
    warmup = service.resume(wiring.ports(), call.tenant, mailbox_id)
    return Reply(service.to_public(warmup), resource_id=mailbox_id)


@route(
    bp,
    ONE + "/stop",
    "POST",
    auth="full",
    tag="warmup",
    reply=M + "WarmupReply",
    action="warmup.stop",
    errors=(401, 403, 404, 409),
    summary="Stop the warm-up for good: the mailbox leaves warm-up (409 unless warming or paused).",
)
def stop_warmup(call: Call, mailbox_id: str) -> Reply:
    warmup = service.stop(wiring.ports(), call.tenant, mailbox_id)
    return Reply(service.to_public(warmup), resource_id=mailbox_id)
