"""What the analytics feature needs: the counter store, what other features write in the
same transaction as an event's counters, the OLAP tier's query engine, and the report jobs'
store, queue and files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.analytics.reports.jobs import ReportJob, ReportResult
    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext


class EngagementWrites(Protocol):
    """Items another store writes in the counting transaction (the sending feature puts opens
    and clicks on their message). ``targets`` names the distinct items an event touches, so
    a batch is cut into transactions of at most 100 items."""

    def targets(self, event: Event) -> set[tuple[str, str]]: ...

    def transact_items(self, events: list[Event]) -> list[dict[str, Any]]: ...


class CounterStore(Protocol):
    def apply_once(self, event: Event) -> bool:
        """Count an event unless its event_id was counted before; True when counted now."""
        ...

    def apply_many(self, events: list[Event]) -> bool:
        """Count a whole batch at once; False when some event was counted before (nothing of
        that transaction is written: count event by event instead)."""
        ...

    def read(self, tenant_id: str, period: str) -> dict[str, int]: ...


@dataclass(frozen=True)
class QueryResult:
    """The typed answer of an OLAP query: column names, rows of JSON-friendly values (ints,
    floats, strings, booleans, None; dates and timestamps as ISO text) and the bytes the
    engine read (Athena bills by them)."""

    columns: list[str]
    rows: list[list[Any]]
    bytes_scanned: int


class AnalyticsQueries(Protocol):
    """Runs one Athena SQL text over the OLAP tier (Athena on AWS, DuckDB locally). The SQL
    must hold ``tenant_id = '<tenant>'`` on the events table: a query without it is refused."""

    def run(self, sql: str) -> QueryResult: ...


class ReportJobs(Protocol):
    """Report jobs, tenant-led (``tenant_id`` + ``rpt_…``)."""

    def create(self, job: ReportJob) -> None: ...

    def get(self, tenant_id: str, report_id: str) -> ReportJob | None: ...

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[ReportJob]: ...

    def start(self, tenant_id: str, report_id: str, at: str) -> bool:
        """queued (or running: a redelivery) → running; False when it already ended."""
        ...

    def finish(
        self,
        tenant_id: str,
        report_id: str,
        at: str,
        result: ReportResult | None,
        error: Mapping[str, str] | None = None,
    ) -> bool:
        """queued or running → completed (with ``result``) or failed (with ``error``)."""
        ...


class ReportQueue(Protocol):
    def enqueue(self, tenant_id: str, report_id: str) -> None: ...


class ReportFiles(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...


class RecordOwners(Protocol):
    """Whether a tenant owns the record a report filter names (``campaign_id``, …)."""

    def owns(self, tenant: TenantContext, field: str, record_id: str) -> bool: ...


class AnalyticsReads(Protocol):
    def days(self, tenant_id: str, scope: str, first: str, last: str) -> dict[str, dict[str, int]]:
        """{day: {metric: count}} for ``scope`` (``tenant``, ``campaign:<id>``,
        ``mailbox:<id>``, ``domain:<id>``, ``provider:<name>``) from ``first`` to ``last``
        (``YYYY-MM-DD``, both included), with the ``COUNT_METRICS`` names."""
        ...
