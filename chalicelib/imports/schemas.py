"""Request and reply models of the imports routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from chalicelib.http.schemas import Strict, omitted
from chalicelib.http.validation import no_control_chars

Column = Annotated[str, Field(min_length=1, max_length=200)]
Target = Annotated[str, Field(min_length=1, max_length=40)]
FileName = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(no_control_chars)]
ListId = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(no_control_chars)]
Status = Literal["pending", "running", "completed", "failed"]


class CreateImport(Strict):
    upload: bool = Field(
        default=False, description="True: answer a presigned PUT URL for the file, then start."
    )
    csv: str | None = Field(
        default=None, description="The CSV itself (at most 5 MB as UTF-8); starts at once."
    )
    filename: FileName | None = None
    mapping: dict[Column, Target | None] = Field(
        default_factory=dict,
        max_length=200,
        description="Column name -> email, first_name, last_name, company, time_zone, tags, "
        "a declared custom field, or null to ignore it; other columns are inferred.",
    )
    list_id: ListId | None = Field(default=None, description="Add every imported contact.")


class JobError(BaseModel):
    code: str
    message: str


class ImportReply(BaseModel):
    id: str
    status: Status
    filename: str | None
    list_id: str | None
    mapping: dict[str, str | None]
    columns: dict[str, str] = Field(description="Column -> attribute, as the file was read.")
    ignored_columns: list[str]
    notes: list[str]
    rows_total: int
    rows_done: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    rejected_by_reason: dict[str, int]
    created_at: str
    updated_at: str
    started_at: str | None
    completed_at: str | None
    error: JobError | SkipJsonSchema[None] = omitted("Why the file could not be imported.")
    report_url: str | SkipJsonSchema[None] = omitted(
        "Presigned GET (15 minutes) of the rejected rows as CSV, when there are any."
    )


class UploadTarget(BaseModel):
    url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_in: int
    max_bytes: int


class CreatedImportReply(ImportReply):
    upload: UploadTarget | SkipJsonSchema[None] = omitted(
        "Where to PUT the file (upload imports), then POST /v1/imports/{id}/start."
    )


class ImportPage(BaseModel):
    items: list[ImportReply]
    next_token: str | None


class ExportReply(BaseModel):
    id: str
    status: Status
    kinds_total: int
    kinds_done: int
    records: int
    current: str | None = Field(description="The kind being written now.")
    created_at: str
    updated_at: str
    completed_at: str | None
    error: JobError | SkipJsonSchema[None] = omitted()
    download_url: str | SkipJsonSchema[None] = omitted(
        "Presigned GET (15 minutes) of the ZIP, once completed."
    )
