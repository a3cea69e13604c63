"""Request and reply models of the operations routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class RedriveReply(BaseModel):
    queue: str = Field(description="The dead-letter queue emptied.")
    source: str = Field(description="The queue its messages were sent back to.")
    moved: int = Field(description="Messages sent back and deleted from the dead-letter queue.")
    refused: int = Field(
        description="Messages the source queue refused; they stay in the dead-letter queue."
    )
    limit: int
    stopped: Literal["empty", "limit", "refused"]
