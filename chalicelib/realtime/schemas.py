"""Reply models of the realtime routes (the OpenAPI source)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TicketReply(BaseModel):
    ticket: str = Field(
        description="Opaque, single use, valid 60 s: send it as the WebSocket's first message "
        '({"action":"auth","ticket":"..."}); never put it in a URL.'
    )
    url: str = Field(description="The WebSocket URL to open (wss:// deployed).")
    expires_at: str
