"""The import and export jobs: their state, what the API shows of them, and where their
files live in the bucket (``tenant/<id>/imports/<imp id>/…``, ``tenant/<id>/exports/…``).

An import is ``pending`` until its file is there and it is started, ``running`` while its
file is parsed and its chunks are imported, then ``completed`` (every chunk counted) or
``failed`` (the file as a whole could not be read: the job's ``error`` says why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.imports.rules.rows import REASONS

STATUSES = ("pending", "running", "completed", "failed")
CHUNK_ROWS = 1000
INLINE_LIMIT = 5 * 1024 * 1024
UPLOAD_LIMIT = 64 * 1024 * 1024
URL_SECONDS = 900


@dataclass(frozen=True)
class Tally:
    """What one chunk did: its rows, and each outcome's count."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> rows

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


@dataclass(frozen=True)
class ImportJob:
    tenant_id: str
    import_id: str
    status: str
    created_at: str
    updated_at: str
    filename: str | None = None
    list_id: str | None = None
    mapping: dict[str, str | None] = field(default_factory=dict)
    rows_total: int = 0
    rows_done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    chunks_total: int = 0
    chunks_done: int = 0
    parsed: bool = False
    header: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    error: dict[str, str] | None = None
    report_key: str | None = None
    started_at: str | None = None
    completed_at: str | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def all_counted(self) -> bool:
        return self.parsed and self.chunks_done >= self.chunks_total

    def to_public(self, report_url: str | None = None) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": self.import_id,
            "status": self.status,
            "filename": self.filename,
            "list_id": self.list_id,
            "mapping": dict(self.mapping),
            "columns": dict(self.columns),
            "ignored_columns": list(self.ignored_columns),
            "notes": list(self.notes),
            "rows_total": self.rows_total,
            "rows_done": self.rows_done,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected_total,
            "rejected_by_reason": {r: self.rejected.get(r, 0) for r in REASONS},
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
        }
        if self.error:
            shown["error"] = dict(self.error)
        if report_url:
            shown["report_url"] = report_url
        return shown


@dataclass(frozen=True)
class ExportJob:
    tenant_id: str
    export_id: str
    status: str
    created_at: str
    updated_at: str
    kinds_total: int = 0
    kinds_done: int = 0
    records: int = 0
    current: str | None = None
    error: dict[str, str] | None = None
    archive_key: str | None = None
    completed_at: str | None = None

    def to_public(self, download_url: str | None = None) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": self.export_id,
            "status": self.status,
            "kinds_total": self.kinds_total,
            "kinds_done": self.kinds_done,
            "records": self.records,
            "current": self.current,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "completed_at": self.completed_at,
        }
        if self.error:
            shown["error"] = dict(self.error)
        if download_url:
            shown["download_url"] = download_url
        return shown


@dataclass(frozen=True)
class ExportState:
    """Where an export is: what the worker writes as it goes."""

    status: str = "running"
    kinds_done: int = 0
    kinds_total: int = 0
    records: int = 0
    current: str | None = None
    archive_key: str | None = None
    error: dict[str, str] | None = None


def import_prefix(tenant_id: str, import_id: str) -> str:
    return f"tenant/{tenant_id}/imports/{import_id}/"


def source_key(tenant_id: str, import_id: str) -> str:
    return import_prefix(tenant_id, import_id) + "source.csv"


def chunk_key(tenant_id: str, import_id: str, chunk: int) -> str:
    return import_prefix(tenant_id, import_id) + f"chunks/{chunk:05d}.json"


def result_key(tenant_id: str, import_id: str, chunk: int) -> str:
    return import_prefix(tenant_id, import_id) + f"results/{chunk:05d}.json"


def report_key(tenant_id: str, import_id: str) -> str:
    return import_prefix(tenant_id, import_id) + "rejected.csv"


def archive_key(tenant_id: str, export_id: str) -> str:
    return f"tenant/{tenant_id}/exports/{export_id}/export.zip"


def chunks_of(rows: int, size: int = CHUNK_ROWS) -> int:
    return (rows + size - 1) // size
