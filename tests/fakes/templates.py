"""In-memory twin of the templates ``TemplateStore``: templates by (tenant id, template id),
listed in id order without their bodies, like ``chalicelib.templates.store``."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.core.pagination import Page
from chalicelib.core.tenancy import TenantContext
from chalicelib.templates.rules.templates import Template
from tests.fakes.core import sorted_page


class FakeTemplates:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Template] = {}

    def save(self, ctx: TenantContext, template: Template) -> None:
        assert template.tenant_id == ctx.tenant_id
        self.items[(ctx.tenant_id, template.template_id)] = template

    def get(self, ctx: TenantContext, template_id: str) -> Template | None:
        return self.items.get((ctx.tenant_id, template_id))

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Template]:
        """Templates without their bodies (html and text are None)."""
        mine = [t for (tenant_id, _), t in self.items.items() if tenant_id == ctx.tenant_id]
        page = sorted_page(mine, lambda t: t.template_id, "sk", limit, token)
        return Page([replace(t, html=None, text=None) for t in page.items], page.next_token)

    def delete(self, ctx: TenantContext, template_id: str) -> None:
        self.items.pop((ctx.tenant_id, template_id), None)
