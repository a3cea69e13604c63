"""Request and reply models of the webhooks routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from chalicelib.http.schemas import Strict, omitted
from chalicelib.http.validation import no_control_chars

Url = Annotated[str, Field(min_length=1, max_length=2048)]
EventTypes = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=100)]
Description = Annotated[str, Field(max_length=500), AfterValidator(no_control_chars)]


class CreateWebhook(Strict):
    url: Url
    event_types: EventTypes | None = None
    enabled: bool = True
    description: Description | None = None


class UpdateWebhook(Strict):
    url: Url | None = None
    event_types: EventTypes | None = None
    enabled: bool | None = None
    description: Description | None = None


class WebhookReply(BaseModel):
    id: str
    url: str
    event_types: list[str] = Field(description="Empty: every event type.")
    enabled: bool
    description: str | None
    failing_since: str | None = Field(description="First failure of the current streak.")
    disabled_reason: str | None
    created_at: str
    updated_at: str
    secret: str | SkipJsonSchema[None] = omitted(
        "The signing secret: only in the reply of a create and of a rotation."
    )


class WebhookPage(BaseModel):
    items: list[WebhookReply]
    next_token: str | None


class DeliveryReply(BaseModel):
    id: str
    event_id: str
    event_type: str
    status: str = Field(description="pending | delivered | retrying | parked")
    attempts: int
    response_code: int | None
    response_ms: int | None
    last_error: str | None
    next_attempt_at: str | None
    replay_job_id: str | None
    created_at: str
    updated_at: str


class DeliveryPage(BaseModel):
    items: list[DeliveryReply]
    next_token: str | None


class TestReply(BaseModel):
    delivery_id: str
    event_id: str


class StartReplay(Strict):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    first: str = Field(alias="from", max_length=40)
    last: str = Field(alias="to", max_length=40)
    types: EventTypes | None = None


class Progress(BaseModel):
    total: int
    done: int


class ReplayReply(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    endpoint_id: str
    status: str = Field(description="pending | running | completed | failed")
    first: str = Field(alias="from")
    last: str = Field(alias="to")
    types: list[str]
    progress: Progress
    error: str | None
    created_at: str
    updated_at: str
