"""Request and reply models of the templates routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from chalicelib.http.schemas import Name, Strict, Variables, no_cr_lf

Subject = Annotated[str, Field(min_length=1, max_length=998), AfterValidator(no_cr_lf)]
Body = Annotated[str, Field(min_length=1, max_length=200_000)]


class CreateTemplate(Strict):
    name: Name
    subject: Subject
    html: Body | None = None
    text: Body | None = None


class UpdateTemplate(Strict):
    name: Name | None = None
    subject: Subject | None = None
    html: Body | None = None
    text: Body | None = None


class TemplateReply(BaseModel):
    id: str
    name: str
    subject: str
    html: str | None = None
    text: str | None = None
    variables: list[str]
    created_at: str
    updated_at: str


class TemplatePage(BaseModel):
    items: list[TemplateReply]
    next_token: str | None


class PreviewReply(BaseModel):
    subject: str
    html: str | None
    text: str | None


class PreviewTemplate(Strict):
    variables: Variables = Field(default_factory=dict, max_length=200)
