"""What the analytics feature needs: the counter store, and what other features write in the
same transaction as an event's counters."""

from __future__ import annotations

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


class AnalyticsReads(Protocol):
    def days(self, tenant_id: str, scope: str, first: str, last: str) -> dict[str, dict[str, int]]:
        """{day: {metric: count}} for ``scope`` (``tenant``, ``campaign:<id>``,
        ``mailbox:<id>``, ``domain:<id>``, ``provider:<name>``) from ``first`` to ``last``
        (``YYYY-MM-DD``, both included), with the ``COUNT_METRICS`` names."""
        ...
