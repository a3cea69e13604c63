"""What the templates use cases need from storage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.templates.rules.templates import Template


class TemplateStore(Protocol):
    def save(self, ctx: TenantContext, template: Template) -> None: ...

    def get(self, ctx: TenantContext, template_id: str) -> Template | None: ...

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Template]:
        """Templates without their bodies (html and text are None)."""
        ...

    def delete(self, ctx: TenantContext, template_id: str) -> None: ...
