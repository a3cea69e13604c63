"""Request and reply models of the domains routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from chalicelib.http.schemas import Strict, omitted


class CreateDomain(Strict):
    name: Annotated[str, Field(min_length=1, max_length=253)]
    dns_provider: Literal["manual", "route53"] = "manual"
    server_ips: list[Annotated[str, Field(max_length=45)]] = Field(
        default_factory=list, max_length=20
    )
    spf_includes: list[Annotated[str, Field(max_length=253)]] = Field(
        default_factory=list, max_length=8
    )


class RecordCheckReply(BaseModel):
    kind: str
    name: str
    type: str
    status: Literal["pending", "verified", "failed", "error"]
    reason: str
    expected: str
    found: list[str]


class DomainReply(BaseModel):
    id: str
    name: str
    dns_provider: Literal["manual", "route53"]
    status: Literal["pending", "verified", "failed", "error"]
    can_send: bool
    sending_blocked: bool
    server_ips: list[str]
    spf_includes: list[str]
    dkim: dict
    records: list[RecordCheckReply]
    hosted_zone_id: str | None
    name_servers: list[str]
    created_at: str
    updated_at: str
    last_checked_at: str | None
    verified_at: str | None


class DomainPage(BaseModel):
    items: list[DomainReply]
    next_token: str | None


class DnsRecordReply(BaseModel):
    kind: str
    name: str
    type: str
    value: str
    route53_value: str
    strings: list[str] | SkipJsonSchema[None] = omitted(
        "TXT records only: the value as DNS character-strings of at most 255 bytes."
    )
    advised_upgrade: bool | SkipJsonSchema[None] = omitted(
        "DMARC on a manual domain only, when its age calls for a stricter policy than the one "
        "it is held to: value is the advised record; verification accepts required_value (or "
        "anything stricter) until DNS first shows the advised one."
    )
    required_value: str | SkipJsonSchema[None] = omitted(
        "With advised_upgrade: the DMARC value verification requires now."
    )


class DomainDnsReply(BaseModel):
    domain: str
    records: list[DnsRecordReply]
    bind: str
