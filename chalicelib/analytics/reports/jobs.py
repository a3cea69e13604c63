"""A report job and what is decided about it: its statuses (queued → running → completed
or failed), where its rows are kept (in the job item while small, else as a CSV in the
bucket under ``tenant/<id>/reports/<rpt>.csv``) and what its query cost at Athena's list
price ($5 per TB scanned, at least 10 MB per query, rounded up to whole megabytes)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.analytics.reports.filters import ReportFilters

STATUSES = ("queued", "running", "completed", "failed")
# the report kinds (``kinds.KINDS`` builds their SQL; named here too so that checking a
# request needs no sqlglot)
KIND_NAMES = (
    "daily_summary",
    "campaign_steps",
    "mailbox_deliverability",
    "recipient_domains",
    "bounce_codes",
)
ID_PREFIX = "rpt"
ROWS_IN_ITEM = 500  # a bigger result is kept as a CSV file; the job keeps a preview
BYTES_IN_ITEM = 100_000  # DynamoDB items stop at 400 KB
PREVIEW_ROWS = 100
MB = 1024**2
TB = 1024**4
PRICE_PER_TB_USD = 5.0
MINIMUM_BYTES = 10 * MB


def billed_bytes(scanned: int) -> int:
    """What Athena bills for a query that scanned ``scanned`` bytes."""
    return max(MINIMUM_BYTES, math.ceil(max(scanned, 0) / MB) * MB)


def cost_usd(scanned: int) -> float:
    return round(billed_bytes(scanned) / TB * PRICE_PER_TB_USD, 8)


def csv_key(tenant_id: str, report_id: str) -> str:
    return f"tenant/{tenant_id}/reports/{report_id}.csv"


def fits_in_item(columns: list[str], rows: list[list[Any]]) -> bool:
    if len(rows) > ROWS_IN_ITEM:
        return False
    return len(json.dumps([columns, rows], default=str)) <= BYTES_IN_ITEM


@dataclass(frozen=True)
class ReportResult:
    """What a finished query gives the job: all rows when they fit in the item, else a
    preview and the key of the CSV holding them all."""

    columns: list[str]
    rows: list[list[Any]]
    rows_total: int
    bytes_scanned: int
    csv_key: str | None = None


@dataclass(frozen=True)
class ReportJob:
    tenant_id: str
    report_id: str
    kind: str
    filters: ReportFilters
    status: str
    created_at: str
    updated_at: str
    started_at: str | None = None
    completed_at: str | None = None
    result: ReportResult | None = None
    error: dict[str, str] | None = field(default=None)

    def to_public(self) -> dict[str, Any]:
        result = self.result
        scanned = result.bytes_scanned if result else None
        return {
            "id": self.report_id,
            "kind": self.kind,
            "filters": self.filters.to_public(),
            "status": self.status,
            "columns": list(result.columns) if result else [],
            "rows": [list(r) for r in result.rows] if result else [],
            "rows_total": result.rows_total if result else 0,
            "rows_truncated": bool(result and result.rows_total > len(result.rows)),
            "bytes_scanned": scanned,
            "cost_usd": cost_usd(scanned) if scanned is not None else None,
            "error": self.error,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
        }
