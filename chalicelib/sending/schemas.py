"""Request and reply models of the messages and suppressions routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from chalicelib.http.schemas import (
    EmailAddress,
    ErrorBody,
    Strict,
    Variables,
    no_control_chars,
    no_cr_lf,
    omitted,
)
from chalicelib.sending.mime.headers import check_custom_headers, check_value
from chalicelib.sending.rules.messages import STATUSES as MESSAGE_STATUSES

Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
HeaderValue = Annotated[str, Field(max_length=998), AfterValidator(no_cr_lf)]


def _one_line(value: str) -> str:
    return check_value("value", value)


OneLineSubject = Annotated[str, Field(min_length=1, max_length=998), AfterValidator(_one_line)]


class MessageFields(Strict):
    from_address: Annotated[str, Field(alias="from", min_length=1, max_length=254)] = Field(
        description="A mailbox id (mbx_…), a mailbox's address, or an address on one of your "
        "domains (rotation over that domain's mailboxes)."
    )
    from_name: Annotated[str, Field(max_length=200), AfterValidator(no_control_chars)] | None = None
    subject: OneLineSubject | None = None
    html: Annotated[str, Field(min_length=1)] | None = None
    text: Annotated[str, Field(min_length=1)] | None = None
    reply_to: EmailAddress | None = None
    headers: Annotated[dict[str, HeaderValue], AfterValidator(check_custom_headers)] = Field(
        default_factory=dict, max_length=20
    )
    tags: list[Tag] = Field(default_factory=list, max_length=10)
    metadata: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=500)]] = (
        Field(default_factory=dict, max_length=20)
    )
    template_id: Annotated[str, Field(max_length=64)] | None = None
    track_opens: bool = True
    track_clicks: bool = True
    scheduled_at: Annotated[str, Field(max_length=40)] | None = None

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class SendMessage(MessageFields):
    to: EmailAddress
    variables: Variables = Field(default_factory=dict, max_length=200)


class BatchRecipient(Strict):
    to: Annotated[str, Field(min_length=1, max_length=320)]
    variables: Variables = Field(default_factory=dict, max_length=200)


class SendBatch(MessageFields):
    recipients: list[BatchRecipient] = Field(min_length=1, max_length=500)


class TimelineEntry(BaseModel):
    """One transition (or, with ``event``, one engagement note) on a message's timeline;
    details that do not apply are left out."""

    status: str
    at: str
    scheduled_at: str | SkipJsonSchema[None] = omitted()
    attempt: int | SkipJsonSchema[None] = omitted()
    smtp_code: int | SkipJsonSchema[None] = omitted()
    enhanced_status: str | SkipJsonSchema[None] = omitted()
    smtp_text: str | SkipJsonSchema[None] = omitted()
    stage: str | SkipJsonSchema[None] = omitted()
    step: str | SkipJsonSchema[None] = omitted()
    reason: str | SkipJsonSchema[None] = omitted()
    detail: str | SkipJsonSchema[None] = omitted()
    event: str | SkipJsonSchema[None] = omitted(
        "An engagement note (reply, auto_reply, soft_bounce, complained); the status is the "
        "message's, unchanged."
    )
    inbound_id: str | SkipJsonSchema[None] = omitted()
    diagnostic: str | SkipJsonSchema[None] = omitted()
    status_codes: list[str] | SkipJsonSchema[None] = omitted()
    feedback_type: str | SkipJsonSchema[None] = omitted()
    window_hours: int | SkipJsonSchema[None] = omitted(
        "On ``delivered``: the bounce window that passed with no bounce."
    )


class Counts(BaseModel):
    human: int
    machine: int = Field(description="Security scanners and image proxies.")


class Engagement(BaseModel):
    opens: Counts
    clicks: Counts
    last_open_at: str | None
    last_click_at: str | None
    replies: int
    auto_replies: int
    complained: bool
    bounced: bool


class MessageReply(BaseModel):
    id: str
    status: Literal[MESSAGE_STATUSES]  # type: ignore[valid-type]
    from_address: str = Field(alias="from")
    from_name: str
    mailbox_id: str
    to: str
    subject: str
    tags: list[str]
    metadata: dict
    template_id: str | None
    track_opens: bool
    track_clicks: bool
    attempts: int
    scheduled_at: str | None
    created_at: str
    batch_id: str | None
    campaign_id: str | SkipJsonSchema[None] = omitted("Only on a campaign's message.")
    step: int | SkipJsonSchema[None] = omitted(
        "Only on a campaign's message: the campaign's email step it was sent for (from 1)."
    )
    timeline: list[TimelineEntry] | SkipJsonSchema[None] = omitted(
        "Only on a single message, not in lists."
    )
    engagement: Engagement | SkipJsonSchema[None] = omitted(
        "Only on a single message, not in lists."
    )

    model_config = ConfigDict(populate_by_name=True)


class MessagePage(BaseModel):
    items: list[MessageReply]
    next_token: str | None


class BatchResult(BaseModel):
    to: str
    status: Literal["accepted", "error"]
    id: str | None
    error: ErrorBody | None


class BatchReply(BaseModel):
    batch_id: str | None
    accepted: int
    rejected: int
    results: list[BatchResult]


class CreateSuppression(Strict):
    address: EmailAddress
    reason: Annotated[str, Field(max_length=500), AfterValidator(no_control_chars)] | None = None


class SuppressionReply(BaseModel):
    address: str
    scope: Literal["tenant", "global"]
    reason: str
    source: str
    created_at: str
    actor: str


class SuppressionPage(BaseModel):
    items: list[SuppressionReply]
    next_token: str | None
