"""Request and reply models of the servers routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from chalicelib.http.schemas import Strict

LocalPart = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9](?:[a-z0-9._+-]{0,62}[a-z0-9])?$")
]
Label = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


class MailboxIn(Strict):
    local_part: LocalPart
    display_name: Annotated[str, Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""
    daily_limit: Annotated[int, Field(ge=1, le=10_000)] = 50


class CreateServer(Strict):
    region: Label
    size: Label
    domain: Annotated[str, Field(min_length=3, max_length=253)]
    dns_provider: Literal["route53", "cloudflare"] = "route53"
    mailboxes: list[MailboxIn] = Field(min_length=1, max_length=50)
    warmup_plan: Literal["conservative", "standard", "aggressive"] | None = None


class StepReply(BaseModel):
    name: str
    status: Literal["pending", "running", "succeeded", "failed", "skipped"]
    started_at: str | None
    ended_at: str | None
    attempts: int
    error: dict[str, str] | None


class ServerMailboxReply(BaseModel):
    email: str
    mailbox_id: str | None


class ServerReply(BaseModel):
    id: str
    status: Literal[
        "provisioning",
        "ready",
        "failed",
        "rolling_back",
        "rolled_back",
        "decommissioning",
        "decommissioned",
    ]
    domain: str
    hostname: str
    region: str
    size: str
    dns_provider: str
    warmup_plan: str | None
    ip: str | None
    mailboxes: list[ServerMailboxReply]
    steps: list[StepReply]
    failure: dict[str, str] | None
    created_at: str
    updated_at: str


class ServerPage(BaseModel):
    items: list[ServerReply]
    next_token: str | None
