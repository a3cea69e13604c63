"""Use cases for templates, written against the store port: create (checked now, so a broken
template is refused when saved, not when sent), change, delete, find, preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import NotFound
from chalicelib.templates.rules import templates as rules

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.templates.ports import TemplateStore
    from chalicelib.templates.rules.templates import Template


@dataclass
class TemplatePorts:
    templates: TemplateStore
    clock: Clock


def find(ports: TemplatePorts, ctx: TenantContext, template_id: str) -> Template:
    found = ports.templates.get(ctx, template_id) if template_id.startswith("tpl_") else None
    if found is None:
        raise NotFound(f"template {template_id} not found", {"id": template_id})
    return found


def create(
    ports: TemplatePorts,
    ctx: TenantContext,
    name: str,
    subject: str,
    html: str | None,
    text: str | None,
) -> Template:
    template = rules.new_template(ctx.tenant_id, name, subject, html, text, ports.clock.now_iso())
    ports.templates.save(ctx, template)
    return template


def update(
    ports: TemplatePorts, ctx: TenantContext, template_id: str, changes: dict[str, Any]
) -> Template:
    template = rules.changed(find(ports, ctx, template_id), changes, ports.clock.now_iso())
    ports.templates.save(ctx, template)
    return template


def delete(ports: TemplatePorts, ctx: TenantContext, template_id: str) -> Template:
    template = find(ports, ctx, template_id)
    ports.templates.delete(ctx, template_id)
    return template


def preview(
    ports: TemplatePorts, ctx: TenantContext, template_id: str, variables: dict[str, Any]
) -> dict[str, str | None]:
    return rules.render(find(ports, ctx, template_id), variables)
