"""What the imports use cases need: the contacts they write (another feature, reached
through an adapter in ``wiring``), the jobs' table, the bucket, the work queue, and the
tenant's data an export gathers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import IO

    from chalicelib.core.pagination import Page
    from chalicelib.imports.rules.jobs import ExportJob, ExportState, ImportJob, Tally
    from chalicelib.imports.rules.rows import Draft


class Upserted(Protocol):
    """One draft's outcome (``contacts.UpsertOutcome`` has this shape)."""

    @property
    def email(self) -> str: ...

    @property
    def outcome(self) -> str: ...  # created | updated | unchanged


class ContactWriter(Protocol):
    def upsert_many(self, tenant_id: str, drafts: Sequence[Draft]) -> Sequence[Upserted]:
        """Idempotent: the same draft twice is ``unchanged`` the second time."""
        ...

    def field_types(self, tenant_id: str) -> dict[str, str]:
        """Declared custom field name -> string | number | date."""
        ...

    def list_exists(self, tenant_id: str, list_id: str) -> bool: ...

    def suppressed(self, tenant_id: str, addresses: Sequence[str]) -> set[str]:
        """The addresses among ``addresses`` that may never be mailed (tenant or global
        suppression, plain or hashed)."""
        ...


class ImportJobs(Protocol):
    """Import jobs; every change after the first is one conditional write."""

    def create(self, job: ImportJob) -> None: ...

    def get(self, tenant_id: str, import_id: str) -> ImportJob | None: ...

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[ImportJob]:
        """Newest first."""
        ...

    def start(self, tenant_id: str, import_id: str, at: str) -> bool:
        """``pending`` -> ``running``; False when the job was not pending."""
        ...

    def unstart(self, tenant_id: str, import_id: str, at: str) -> None:
        """Back to ``pending`` (its work could not be queued)."""
        ...

    def parsed(
        self, job: ImportJob, rows: int, chunks: int, at: str, **shown: Any
    ) -> ImportJob | None:
        """Record the parse (rows, chunks; ``header``, ``columns``, ``ignored_columns``,
        ``notes``) once: None when the job is not running or was parsed already."""
        ...

    def count_chunk(
        self, tenant_id: str, import_id: str, chunk: int, tally: Tally, at: str
    ) -> ImportJob | None:
        """Add a chunk's tally once (guarded by the chunk's done marker); the job after it,
        or None when that chunk was counted already."""
        ...

    def finish(
        self,
        tenant_id: str,
        import_id: str,
        at: str,
        report: str | None,
        error: Mapping[str, str] | None = None,
    ) -> bool:
        """``running`` -> ``completed`` (or ``failed`` with ``error``); False otherwise."""
        ...


class ExportJobs(Protocol):
    def create(self, job: ExportJob) -> None: ...

    def get(self, tenant_id: str, export_id: str) -> ExportJob | None: ...

    def progress(self, tenant_id: str, export_id: str, state: ExportState, at: str) -> None:
        """Write where the export is (``completed_at`` too once it is final)."""
        ...


class Files(Protocol):
    """The bucket, under the tenant's prefix."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def put_stream(self, key: str, stream: IO[bytes], content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def size(self, key: str) -> int | None: ...

    def upload_url(self, key: str, content_type: str, seconds: int) -> str: ...

    def download_url(self, key: str, filename: str, seconds: int) -> str: ...


class WorkQueue(Protocol):
    """The ``contact-imports`` queue: small JSON jobs, each with ``kind`` and ``tenant_id``."""

    def enqueue(self, jobs: Sequence[dict[str, Any]]) -> None: ...


class TenantDirectory(Protocol):
    """The contacts and lists a tenant owns, for its export (the contacts feature)."""

    def contacts(self, tenant_id: str) -> Iterable[Mapping[str, Any]]: ...

    def lists(self, tenant_id: str) -> Iterable[Mapping[str, Any]]: ...


class TenantRecords(Protocol):
    """One kind of record a tenant owns, for its export (``contacts``, ``lists``, or what a
    feature registers with ``imports.register_export_source``)."""

    def __call__(self, tenant_id: str, /) -> Iterable[Mapping[str, Any]]: ...
