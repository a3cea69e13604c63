"""Reply models of the inbound routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.inbound.rules.records import TYPES as INBOUND_TYPES


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
    message_id: str = Field(description="The Message-ID header of the received email.")
    from_address: str = Field(alias="from")
    subject: str
    received_at: str
    mailbox_id: str
    classification: InboundClassification

    model_config = ConfigDict(populate_by_name=True)


class InboundPage(BaseModel):
    items: list[InboundReply]
    next_token: str | None
