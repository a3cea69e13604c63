"""Templates: create, read, change, delete, and preview with variables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.pagination import parse_limit
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.http.views import Call
    from chalicelib.templates import service, wiring
else:
    service = lazy.module("chalicelib.templates.service")
    wiring = lazy.module("chalicelib.templates.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.templates.schemas."
ONE = "/templates/{template_id}"


@route(
    bp,
    "/templates",
    "POST",
    auth="full",
    tag="templates",
    body=M + "CreateTemplate",
    reply=M + "TemplateReply",
    status=201,
    action="template.create",
    errors=(400, 401, 403, 422),
    summary="Create a template; syntax and allowed constructs are checked now.",
)
def create_template(call: Call) -> Reply:
    b = call.body
    template = service.create(wiring.ports(), call.tenant, b.name, b.subject, b.html, b.text)
    return Reply(template.to_public(), 201, resource_id=template.template_id)


@route(
    bp,
    "/templates",
    "GET",
    auth="full",
    tag="templates",
    reply=M + "TemplatePage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="List templates (without bodies).",
)
def list_templates(call: Call) -> Reply:
    page = wiring.ports().templates.list(
        call.tenant, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(page.shaped(lambda t: t.to_public(with_bodies=False)))


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="templates",
    reply=M + "TemplateReply",
    errors=(401, 403, 404),
    summary="A template with its bodies and variables.",
)
def get_template(call: Call, template_id: str) -> Reply:
    return Reply(service.find(wiring.ports(), call.tenant, template_id).to_public())


@route(
    bp,
    ONE,
    "PATCH",
    auth="full",
    tag="templates",
    body=M + "UpdateTemplate",
    reply=M + "TemplateReply",
    action="template.update",
    errors=(400, 401, 403, 404, 422),
    summary="Change a template's name, subject or bodies.",
)
def update_template(call: Call, template_id: str) -> Reply:
    changes = call.body.model_dump(exclude_unset=True)
    template = service.update(wiring.ports(), call.tenant, template_id, changes)
    return Reply(template.to_public(), resource_id=template_id)


@route(
    bp,
    ONE,
    "DELETE",
    auth="full",
    tag="templates",
    reply=M + "TemplateReply",
    action="template.delete",
    errors=(401, 403, 404),
    summary="Delete a template.",
)
def delete_template(call: Call, template_id: str) -> Reply:
    template = service.delete(wiring.ports(), call.tenant, template_id)
    return Reply(template.to_public(), resource_id=template_id)


@route(
    bp,
    ONE + "/preview",
    "POST",
    auth="full",
    tag="templates",
    body=M + "PreviewTemplate",
    reply=M + "PreviewReply",
    errors=(400, 401, 403, 404, 422),
    summary="Render with variables; an undefined variable is a 422 naming it.",
)
def preview_template(call: Call, template_id: str) -> Reply:
    return Reply(service.preview(wiring.ports(), call.tenant, template_id, call.body.variables))
