"""Request and reply models every feature's schemas share (pydantic v2): the strict base, the
text and address validators, the error envelope and the health report.

Requests are strict: unknown fields are refused and text fields may not hold control
characters (no CR/LF header injection can start here).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chalicelib.http.validation import email_address, no_control_chars, no_cr_lf

EmailAddress = Annotated[str, Field(max_length=254), AfterValidator(email_address)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(no_control_chars)]
Address = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(no_cr_lf)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omitted(description: str | None = None) -> Any:
    """A reply field the API leaves out when it does not apply, and never sends as null:
    annotate it ``X | SkipJsonSchema[None]`` with this default, so the document lists it as
    an optional ``X`` (not required, not nullable, no ``null`` default)."""
    return Field(default=None, description=description, json_schema_extra=_no_default)


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


class QueueHealth(BaseModel):
    depth: int = Field(description="Messages waiting (SQS's approximate count).")
    dead_letter: bool = Field(description="Whether this is a dead-letter queue.")


class HealthReply(BaseModel):
    status: Literal["ok", "degraded", "down"]
    stage: str
    components: dict[str, ComponentHealth]
    queues: dict[str, QueueHealth] = Field(
        default_factory=dict,
        description="Every queue and dead-letter queue by name (empty if SQS did not answer).",
    )


Variable = str | int | float | bool | None
Variables = dict[Annotated[str, Field(max_length=100)], Variable]
