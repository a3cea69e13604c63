"""Inbound messages as kept: what arrived at a mailbox, how it was classified, and which of
our messages it belongs to (or ``unmatched`` — unmatched mail is kept, never dropped).
Warm-up mail (``warmup``: it carries an ``X-PM-Warmup`` header or answers one of our warm-up
messages) is kept too, but is never a reply, a lead or an unmatched reply.
The raw MIME lives in S3 under ``tenant/<id>/inbound/``; the item stays small."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TYPES = ("bounce", "complaint", "auto_reply", "reply", "unsubscribe", "warmup", "unknown")


@dataclass(frozen=True)
class InboundMessage:
    tenant_id: str
    inbound_id: str
    mailbox_id: str
    received_at: str
    kind: str
    from_address: str
    subject: str
    message_id_header: str
    raw_key: str
    matched_message_id: str | None = None
    bounce_type: str | None = None
    recipients: tuple[str, ...] = field(default=())
    status_codes: tuple[str, ...] = field(default=())
    diagnostic: str = ""
    feedback_type: str | None = None
    reply_text_key: str | None = None

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.inbound_id,
            "message_id": self.message_id_header,
            "from": self.from_address,
            "subject": self.subject,
            "received_at": self.received_at,
            "mailbox_id": self.mailbox_id,
            "classification": {
                "type": self.kind,
                "bounce_type": self.bounce_type,
                "recipients": list(self.recipients),
                "status_codes": list(self.status_codes),
                "diagnostic": self.diagnostic,
                "feedback_type": self.feedback_type,
                "matched_message_id": self.matched_message_id or "unmatched",
            },
        }
