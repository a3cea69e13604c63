"""What the analytics feature needs: the counter store, what other features write in the same
transaction as an event's counters, the facts of the messages events name, the recipient
provider of a domain, the reads of the counters by scope and day, the OLAP tier's query
engine, and the report jobs' store, queue and files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from chalicelib.analytics.reports.jobs import ReportJob, ReportResult
    from chalicelib.analytics.rules.counting import Enrichment, MessageFacts
    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext

Engagement = tuple[int, int]  # human opens, human clicks on a message


class EngagementChanged(Exception):
    """A message's opens or clicks changed since they were read: read again and recount."""


class EngagementWrites(Protocol):
    """Items another store writes in the counting transaction (the sending feature puts opens
    and clicks on their message). ``targets`` names the distinct items an event touches, so
    a batch is cut into transactions of at most 100 items. With ``before`` (human opens and
    clicks per (tenant, message) as read), only those messages are written, each on the
    condition that it still holds what was read."""

    def targets(self, event: Event) -> set[tuple[str, str]]: ...

    def transact_items(
        self, events: list[Event], before: Mapping[tuple[str, str], Engagement] | None = None
    ) -> list[dict[str, Any]]: ...


class CounterStore(Protocol):
    def apply_once(self, event: Event, enrichment: Enrichment | None = None) -> bool:
        """Count an event unless its event_id was counted before; True when counted now.
        ``EngagementChanged`` when its message changed since ``enrichment`` was read."""
        ...

    def apply_many(
        self, events: list[Event], enrichments: Mapping[str, Enrichment] | None = None
    ) -> bool:
        """Count a whole batch at once (``enrichments`` by event id); False when some event
        was counted before or a message changed since read (nothing of that transaction is
        written: count event by event instead)."""
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


class MessageFactsSource(Protocol):
    """The facts of a tenant's messages by id (the sending feature implements it); a message
    it does not know is left out."""

    def __call__(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, MessageFacts]: ...


class ProviderResolver(Protocol):
    def provider(self, domain: str) -> str:
        """``gmail | microsoft | yahoo | apple | other`` for a recipient's domain; never raises."""
        ...


class AnalyticsReads(Protocol):
    def days(self, tenant_id: str, scope: str, first: str, last: str) -> dict[str, dict[str, int]]:
        """{day: {metric: count}} of a scope (``tenant``, ``campaign:<id>``, ``mailbox:<id>``,
        ``domain:<id>``, ``provider:<name>``) from ``first`` to ``last`` (days, inclusive);
        days with nothing counted are left out."""
        ...

    def steps(
        self, tenant_id: str, campaign_id: str
    ) -> dict[tuple[int, str | None], dict[str, int]]:
        """A campaign's counts per (step, variant), all time."""
        ...

    def heat(self, tenant_id: str, months: Sequence[str]) -> dict[str, dict[tuple[int, int], int]]:
        """Human ``opens`` and ``clicks`` per (weekday, hour) summed over ``months``."""
        ...

    def breakdown(
        self, tenant_id: str, first: str, last: str
    ) -> dict[str, dict[str, dict[str, int]]]:
        """{kind: {id: {metric: count}}} for kinds ``mailbox``, ``domain``, ``provider``,
        summed over the days."""
        ...
