"""Request and reply models every feature's schemas share (pydantic v2): the strict base, the
text and address validators, the error envelope and the health report.

Requests are strict: unknown fields are refused and text fields may not hold control
characters (no CR/LF header injection can start here).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chalicelib.http.validation import email_address, no_control_chars, no_cr_lf

EmailAddress = Annotated[str, Field(max_length=254), AfterValidator(email_address)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(no_control_chars)]
Address = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(no_cr_lf)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict = Field(default_factory=dict)


class ErrorReply(BaseModel):
    error: ErrorBody


class ComponentHealth(BaseModel):
    status: Literal["ok", "degraded", "down"]
    detail: str = ""
    latency_ms: float | None = None


class HealthReply(BaseModel):
    status: Literal["ok", "degraded", "down"]
    stage: str
    components: dict[str, ComponentHealth]


Variable = str | int | float | bool | None
Variables = dict[Annotated[str, Field(max_length=100)], Variable]
