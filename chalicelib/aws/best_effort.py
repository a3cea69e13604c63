"""Best-effort wrappers: a failed publish or enqueue is logged and counted, not raised.

Used where the stored record is the source of truth and the event or notification is a
side effect that must not turn a successful write into an error for the client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.aws import powertools

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.core.events import Event, EventPublisher


class _Failures:
    """Logs and counts what could not be sent."""

    def __init__(self, metric: str) -> None:
        self._metric = metric

    def note(self, count: int, **extra: Any) -> None:
        powertools.logger().exception(self._metric, extra=extra)
        powertools.count(self._metric, count)


class BestEffortEvents:
    """An ``EventPublisher`` that never raises: the events of a stored change are a side
    effect that must not turn a successful write into an error for the client. The inner
    publisher is a factory, so nothing is built until something is sent."""

    def __init__(self, inner: Callable[[], EventPublisher]) -> None:
        self._inner = inner
        self._failures = _Failures("EventPublishFailures")

    def publish(self, event: Event) -> None:
        try:
            self._inner().publish(event)
        except Exception:  # noqa: BLE001 - counted and logged; the caller's write stands
            self._failures.note(1, kind=event.get("type"))

    def publish_many(self, events: list[Event]) -> None:
        if not events:
            return
        try:
            self._inner().publish_many(events)
        except Exception:  # noqa: BLE001 - counted and logged; the caller's writes stand
            self._failures.note(len(events), events=len(events))


class BestEffortJobs:
    """A job queue that never raises (notifications to tenants are a side effect)."""

    def __init__(self, inner: Callable[[], Any], metric: str) -> None:
        self._inner = inner
        self._failures = _Failures(metric)

    def enqueue(self, job: dict[str, Any]) -> None:
        try:
            self._inner().enqueue(job)
        except Exception:  # noqa: BLE001 - counted and logged; the caller's write stands
            self._failures.note(1, kind=job.get("kind"))
