"""What the analytics feature needs: the counter store, what other features write in the
same transaction as an event's counters, and the OLAP tier's query engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chalicelib.core.events import Event


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
