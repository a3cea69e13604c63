"""Message templates: a subject and an HTML and/or text body with ``{{ name }}``
placeholders. Checked when saved (syntax, allowed constructs), rendered in the sandbox of
``templating``. Bodies are kept in S3; the item holds the metadata and the variables."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.core import ids
from chalicelib.core.errors import UnprocessableEntity
from chalicelib.templates.rules import rendering as templating


@dataclass(frozen=True)
class Template:
    tenant_id: str
    template_id: str
    name: str
    subject: str
    html: str | None
    text: str | None
    variables: tuple[str, ...]
    created_at: str
    updated_at: str

    def to_public(self, with_bodies: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.template_id,
            "name": self.name,
            "subject": self.subject,
            "variables": list(self.variables),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
        if with_bodies:
            body.update(html=self.html, text=self.text)
        return body


def checked(template: Template) -> Template:
    """Compile every part now, so a broken template is refused when saved, not when sent."""
    if template.html is None and template.text is None:
        raise UnprocessableEntity("a template needs html or text", {"field": "html"})
    names: set[str] = set()
    for field, source, html in (
        ("subject", template.subject, False),
        ("html", template.html, True),
        ("text", template.text, False),
    ):
        if source is not None:
            templating.compile_part(field, source, html)
            names |= templating.variables_of(source, html)
    return replace(template, variables=tuple(sorted(names)))


def new_template(
    tenant_id: str, name: str, subject: str, html: str | None, text: str | None, now: str
) -> Template:
    return checked(Template(tenant_id, ids.new_id("tpl"), name, subject, html, text, (), now, now))


def changed(template: Template, changes: dict[str, Any], now: str) -> Template:
    allowed = {k: v for k, v in changes.items() if k in ("name", "subject", "html", "text")}
    return checked(replace(template, **allowed, updated_at=now))


def render(template: Template, variables: dict[str, Any]) -> dict[str, str | None]:
    return templating.render_message(template.subject, template.html, template.text, variables)
