"""Templates: create, read, change, delete, and preview with variables."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import deps
from chalicelib.api.pipeline import Call
from chalicelib.api.routing import Reply, route
from chalicelib.domain import templates as rules
from chalicelib.domain.pagination import parse_limit

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"
M = "chalicelib.api.models."
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
    template = rules.new_template(
        call.tenant.tenant_id, b.name, b.subject, b.html, b.text, deps.clock().now_iso()
    )
    deps.templates().save(call.tenant, template)
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
    page = deps.templates().list(
        call.tenant, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(
        {
            "items": [t.to_public(with_bodies=False) for t in page.items],
            "next_token": page.next_token,
        }
    )


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
    return Reply(rules.find(deps.templates(), call.tenant, template_id).to_public())


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
    repo = deps.templates()
    template = rules.changed(
        rules.find(repo, call.tenant, template_id),
        call.body.model_dump(exclude_unset=True),
        deps.clock().now_iso(),
    )
    repo.save(call.tenant, template)
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
    repo = deps.templates()
    template = rules.find(repo, call.tenant, template_id)
    repo.delete(call.tenant, template_id)
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
    template = rules.find(deps.templates(), call.tenant, template_id)
    return Reply(rules.render(template, call.body.variables))
