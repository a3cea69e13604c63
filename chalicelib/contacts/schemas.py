"""Request and reply models of the contacts routes (the OpenAPI source). The address and time
zone are plain text here: the service checks them and answers a 422 naming ``email`` or
``time_zone``, as it does for custom field values (``fields.<name>``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from chalicelib.http.schemas import Name, Strict, no_control_chars, no_cr_lf

Status = Literal["active", "replied", "bounced", "unsubscribed", "complained"]
EmailText = Annotated[str, Field(min_length=1, max_length=320)]
Zone = Annotated[str, Field(min_length=1, max_length=64)]
Tag = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(no_control_chars)]
FieldName = Annotated[str, Field(min_length=1, max_length=40)]
FieldText = Annotated[str, Field(max_length=1000)]
Value = FieldText | int | float
Description = Annotated[str, Field(max_length=1000), AfterValidator(no_cr_lf)]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class CreateContact(Strict):
    email: EmailText
    first_name: Name | None = None
    last_name: Name | None = None
    company: Name | None = None
    time_zone: Zone | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    fields: dict[FieldName, Value] = Field(default_factory=dict, max_length=100)
    lists: list[Id] = Field(default_factory=list, max_length=20)


class UpdateContact(Strict):
    """Only the attributes sent change; a name sent as null is cleared, a field sent as null
    is removed, other fields are kept."""

    email: EmailText | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    company: Name | None = None
    time_zone: Zone | None = None
    status: Status | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    fields: dict[FieldName, Value | None] | None = Field(default=None, max_length=100)


class ContactReply(BaseModel):
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    company: str | None
    time_zone: str | None
    status: Status
    tags: list[str]
    fields: dict[str, str | int | float]
    created_at: str
    updated_at: str


class ContactPage(BaseModel):
    items: list[ContactReply]
    next_token: str | None


class DeletedContact(BaseModel):
    id: str
    deleted: bool
    erased: bool = Field(description="True when the person's data was erased (?erase=true).")
    sources: dict[str, int] = Field(description="Records each personal-data source erased.")


class CreateList(Strict):
    name: Name
    description: Description | None = None


class UpdateList(Strict):
    name: Name | None = None
    description: Description | None = None


class ListReply(BaseModel):
    id: str
    name: str
    description: str | None
    created_at: str
    updated_at: str


class ListPage(BaseModel):
    items: list[ListReply]
    next_token: str | None


class AddMembers(Strict):
    contact_ids: list[Id] = Field(min_length=1, max_length=1000)


class MembersAdded(BaseModel):
    list_id: str
    added: int


class MemberRemoved(BaseModel):
    list_id: str
    contact_id: str
    removed: bool


class ContactExport(BaseModel):
    contact: ContactReply
    lists: list[ListReply]
    sources: dict[str, Any] = Field(
        description="What each registered personal-data source holds about the person."
    )


class CreateField(Strict):
    name: FieldName
    type: Literal["string", "number", "date"]


class FieldReply(BaseModel):
    name: str
    type: Literal["string", "number", "date"]
    created_at: str


class FieldPage(BaseModel):
    items: list[FieldReply]
    next_token: str | None
