"""Request and reply models of the report routes (the OpenAPI source)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http.schemas import Strict

Status = Literal["queued", "running", "completed", "failed"]
Cell = str | int | float | bool | None


class ReportFiltersBody(Strict):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    from_: str = Field(alias="from", max_length=10, description="First day, YYYY-MM-DD (UTC).")
    to: str = Field(max_length=10, description="Last day, YYYY-MM-DD; at most 400 days on.")
    campaign_id: str | None = Field(default=None, max_length=64)
    mailbox_id: str | None = Field(default=None, max_length=64)
    domain_id: str | None = Field(default=None, max_length=64)

    def raw(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class CreateReport(Strict):
    kind: str = Field(
        max_length=64,
        description="daily_summary, campaign_steps, mailbox_deliverability, "
        "recipient_domains or bounce_codes.",
    )
    filters: ReportFiltersBody


class ReportError(BaseModel):
    code: str
    message: str


class CreatedReportReply(BaseModel):
    id: str
    status: Status


class ReportReply(BaseModel):
    id: str
    kind: str
    filters: dict[str, str] = Field(description="from, to and the id filters, as checked.")
    status: Status
    columns: list[str]
    rows: list[list[Cell]] = Field(
        description="Every row, or the first 100 when rows_truncated (the CSV has them all)."
    )
    rows_total: int
    rows_truncated: bool
    bytes_scanned: int | None
    cost_usd: float | None = Field(
        description="The query at Athena's list price: $5 per TB scanned, 10 MB minimum."
    )
    error: ReportError | None
    created_at: str
    updated_at: str
    started_at: str | None
    completed_at: str | None


class ReportPage(BaseModel):
    items: list[ReportReply]
    next_token: str | None
