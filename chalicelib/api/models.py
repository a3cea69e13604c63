"""Request and reply models (pydantic v2). The OpenAPI document is generated from them.

Requests are strict: unknown fields are refused and text fields may not hold control
characters (no CR/LF header injection can start here).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chalicelib.domain.inbound_messages import TYPES as INBOUND_TYPES
from chalicelib.domain.messages import STATUSES as MESSAGE_STATUSES

PlanName = Literal["starter", "professional", "business", "enterprise"]
Scope = Literal["full", "send"]


def _no_control_chars(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters such as CR or LF")
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


def _no_cr_lf(value: str) -> str:
    if "\r" in value or "\0" in value:
        raise ValueError("must not contain CR or NUL characters")
    return value


def _email(value: str) -> str:
    """RFC 5321 address checked by email-validator, domain part normalised (IDN → A-label
    aware). Reserved test domains (``.test``, RFC 2606) are accepted so the local platform's
    simulator addresses work; they can never be delivered anywhere real."""
    from email_validator import EmailNotValidError, validate_email

    if "\r" in value or "\n" in value:
        raise ValueError("must not contain CR or LF")
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc


EmailAddress = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_no_control_chars)]
Address = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_no_cr_lf)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CreateTenant(Strict):
    name: Name
    plan: PlanName
    contact_email: EmailAddress | None = None
    postal_address: Address | None = Field(
        default=None, description="Printed in the CAN-SPAM footer of bulk mail."
    )


class UpdateTenant(Strict):
    name: Name | None = None
    plan: PlanName | None = None
    status: Literal["active", "suspended"] | None = None
    contact_email: EmailAddress | None = None
    postal_address: Address | None = None


class CreateApiKey(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_no_control_chars)]
    scope: Scope = "full"


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict = Field(default_factory=dict)


class ErrorReply(BaseModel):
    error: ErrorBody


class TenantReply(BaseModel):
    id: str
    name: str
    plan: PlanName
    status: Literal["active", "suspended"]
    contact_email: str | None
    postal_address: str | None
    created_at: str
    updated_at: str


class PlanLimits(BaseModel):
    emails_per_month: int | None
    domains: int | None
    mailboxes: int | None
    send_rate_per_second: int
    api_scopes: list[Scope]


class Usage(BaseModel):
    month: str
    emails_sent: int
    emails_remaining: int | None
    events: dict[str, int]


class TenantSelfReply(TenantReply):
    limits: PlanLimits
    usage: Usage
    key: dict


class ApiKeyReply(BaseModel):
    id: str
    name: str
    scope: Scope
    prefix: str
    status: Literal["active", "revoked"]
    created_at: str
    revoked_at: str | None


class ApiKeyCreatedReply(ApiKeyReply):
    key: str = Field(description="The secret key. Shown once; store it now.")


class TenantCreatedReply(BaseModel):
    tenant: TenantReply
    api_key: ApiKeyCreatedReply


class ApiKeyPage(BaseModel):
    items: list[ApiKeyReply]
    next_token: str | None


class AuditReply(BaseModel):
    id: str
    tenant_id: str
    occurred_at: str
    action: str
    key_id: str
    resource_id: str | None
    request_id: str
    source_ip: str


class AuditPage(BaseModel):
    items: list[AuditReply]
    next_token: str | None


class ComponentHealth(BaseModel):
    status: Literal["ok", "degraded", "down"]
    detail: str = ""
    latency_ms: float | None = None


class HealthReply(BaseModel):
    status: Literal["ok", "degraded", "down"]
    stage: str
    components: dict[str, ComponentHealth]


Host = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-:\[\]]+$")]
Secret = Annotated[str, Field(min_length=1, max_length=512), AfterValidator(_no_cr_lf)]


class CreateDomain(Strict):
    name: Annotated[str, Field(min_length=1, max_length=253)]
    dns_provider: Literal["manual", "route53"] = "manual"
    server_ips: list[Annotated[str, Field(max_length=45)]] = Field(
        default_factory=list, max_length=20
    )
    spf_includes: list[Annotated[str, Field(max_length=253)]] = Field(
        default_factory=list, max_length=8
    )


class ServerIn(Strict):
    host: Host
    port: Annotated[int, Field(ge=1, le=65535)]
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: Annotated[str, Field(min_length=1, max_length=320), AfterValidator(_no_cr_lf)]
    password: Secret


class CreateMailbox(Strict):
    email: EmailAddress
    display_name: Annotated[str, Field(max_length=200)] | None = None
    smtp: ServerIn
    imap: ServerIn | None = None
    daily_limit: Annotated[int, Field(ge=1, le=10_000)] = 50

    def model_post_init(self, context: object) -> None:
        if self.display_name is not None:
            _no_control_chars(self.display_name)


class UpdateMailbox(Strict):
    status: Literal["active", "paused"] | None = None
    reason: Annotated[str, Field(max_length=500), AfterValidator(_no_control_chars)] | None = None
    daily_limit: Annotated[int, Field(ge=1, le=10_000)] | None = None
    display_name: Name | None = None


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
    strings: list[str] | None = None


class DomainDnsReply(BaseModel):
    domain: str
    records: list[DnsRecordReply]
    bind: str


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


Subject = Annotated[str, Field(min_length=1, max_length=998), AfterValidator(_no_cr_lf)]
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


Variable = str | int | float | bool | None


class PreviewTemplate(Strict):
    variables: dict[Annotated[str, Field(max_length=100)], Variable] = Field(
        default_factory=dict, max_length=200
    )


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


_HEADER_NAME = r"^[!-9;-~]{1,76}$"
Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
HeaderValue = Annotated[str, Field(max_length=998), AfterValidator(_no_cr_lf)]
_RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "return-path",
        "reply-to",
        "sender",
        "dkim-signature",
        "mime-version",
        "cc",
        "bcc",
    }
)


def _headers(value: dict[str, str]) -> dict[str, str]:
    import re

    seen: set[str] = set()
    for name, text in value.items():
        lower = name.lower()
        if not re.fullmatch(_HEADER_NAME, name):
            raise ValueError(f"invalid header name {name!r}")
        if lower in _RESERVED_HEADERS or lower.startswith(("list-unsubscribe", "content-")):
            raise ValueError(f"header {name} is set by the platform and cannot be given")
        if lower in seen:
            raise ValueError(f"header {name} is given twice")
        seen.add(lower)
        if "\n" in text:
            raise ValueError(f"header {name} must not contain CR or LF")
    return value


def _one_line(value: str) -> str:
    if any(ch in value for ch in "\r\n\0"):
        raise ValueError("must not contain CR, LF or NUL characters")
    return value


OneLineSubject = Annotated[str, Field(min_length=1, max_length=998), AfterValidator(_one_line)]


class MessageFields(Strict):
    from_address: Annotated[str, Field(alias="from", min_length=1, max_length=254)] = Field(
        description="A mailbox id (mbx_…), a mailbox's address, or an address on one of your "
        "domains (rotation over that domain's mailboxes)."
    )
    from_name: Annotated[str, Field(max_length=200), AfterValidator(_no_control_chars)] | None = (
        None
    )
    subject: OneLineSubject | None = None
    html: Annotated[str, Field(min_length=1)] | None = None
    text: Annotated[str, Field(min_length=1)] | None = None
    reply_to: EmailAddress | None = None
    headers: Annotated[dict[str, HeaderValue], AfterValidator(_headers)] = Field(
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
    variables: dict[Annotated[str, Field(max_length=100)], Variable] = Field(
        default_factory=dict, max_length=200
    )


class BatchRecipient(Strict):
    to: Annotated[str, Field(min_length=1, max_length=320)]
    variables: dict[Annotated[str, Field(max_length=100)], Variable] = Field(
        default_factory=dict, max_length=200
    )


class SendBatch(MessageFields):
    recipients: list[BatchRecipient] = Field(min_length=1, max_length=500)


class TimelineEntry(BaseModel):
    status: str
    at: str
    attempt: int | None = None
    smtp_code: int | None = None
    enhanced_status: str | None = None
    smtp_text: str | None = None
    stage: str | None = None
    step: str | None = None
    reason: str | None = None


class MessageReply(BaseModel):
    id: str
    status: Literal[MESSAGE_STATUSES]  # type: ignore[valid-type]
    to: str
    subject: str
    mailbox_id: str
    tags: list[str]
    metadata: dict
    attempts: int
    scheduled_at: str | None
    created_at: str
    timeline: list[TimelineEntry] = Field(default_factory=list)

    model_config = ConfigDict(extra="allow")


class MessagePage(BaseModel):
    items: list[MessageReply]
    next_token: str | None


class BatchResult(BaseModel):
    to: str
    status: Literal["accepted", "error"]
    id: str | None = None
    error: ErrorBody | None = None


class BatchReply(BaseModel):
    batch_id: str | None
    accepted: int
    rejected: int
    results: list[BatchResult]


class CreateSuppression(Strict):
    address: EmailAddress
    reason: Annotated[str, Field(max_length=500), AfterValidator(_no_control_chars)] | None = None


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


class InboundClassification(BaseModel):
    type: Literal[INBOUND_TYPES]  # type: ignore[valid-type]
    bounce_type: Literal["hard", "soft"] | None
    recipients: list[str]
    status_codes: list[str]
    diagnostic: str
    feedback_type: str | None
    matched_message_id: str = Field(description="Our message id, or `unmatched`.")


class InboundReply(BaseModel):
    id: str
    message_id: str
    model_config = ConfigDict(extra="allow")
    received_at: str
    mailbox_id: str
    subject: str
    classification: InboundClassification


class InboundPage(BaseModel):
    items: list[InboundReply]
    next_token: str | None
