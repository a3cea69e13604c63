"""Request and reply models of the mailboxes routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from chalicelib.http.schemas import EmailAddress, Name, Strict, no_control_chars, no_cr_lf

Host = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-:\[\]]+$")]
Secret = Annotated[str, Field(min_length=1, max_length=512), AfterValidator(no_cr_lf)]


class ServerIn(Strict):
    host: Host
    port: Annotated[int, Field(ge=1, le=65535)]
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: Annotated[str, Field(min_length=1, max_length=320), AfterValidator(no_cr_lf)]
    password: Secret


class CreateMailbox(Strict):
    email: EmailAddress
    display_name: Annotated[str, Field(max_length=200)] | None = None
    smtp: ServerIn
    imap: ServerIn | None = None
    daily_limit: Annotated[int, Field(ge=1, le=10_000)] = 50

    def model_post_init(self, context: object) -> None:
        if self.display_name is not None:
            no_control_chars(self.display_name)


class UpdateMailbox(Strict):
    status: Literal["active", "paused"] | None = None
    reason: Annotated[str, Field(max_length=500), AfterValidator(no_control_chars)] | None = None
    daily_limit: Annotated[int, Field(ge=1, le=10_000)] | None = None
    display_name: Name | None = None


class ServerReply(BaseModel):
    host: str
    port: int
    security: str
    username: str
    password_set: bool


class MailboxReply(BaseModel):
    id: str
    email: str
    display_name: str
    domain_id: str
    smtp: ServerReply
    imap: ServerReply | None
    daily_limit: int
    status: Literal["active", "warming", "paused", "error"]
    paused_by: str | None
    pause_reason: str | None
    sent_today: int
    remaining_today: int
    last_test: dict | None
    created_at: str
    updated_at: str


class MailboxPage(BaseModel):
    items: list[MailboxReply]
    next_token: str | None
