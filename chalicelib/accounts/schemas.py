"""Request and reply models of the tenants, API keys and audit routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from chalicelib.http.schemas import Address, EmailAddress, Name, Strict, no_control_chars

PlanName = Literal["starter", "professional", "business", "enterprise"]
Scope = Literal["full", "send"]


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
    name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(no_control_chars)]
    scope: Scope = "full"


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
