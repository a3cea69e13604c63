"""Best-effort wrappers: a failed publish or enqueue is logged and counted, not raised.

Used where the stored record is the source of truth and the event or notification is a
side effect that must not turn a successful write into an error for the client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class BestEffort:
    def __init__(
        self,
        inner: Callable[[], Any],
        method: str,
        metric: str,
        logger: Callable[[], Any],
        metrics: Callable[[], Any],
    ) -> None:
        """Every collaborator is a factory, so nothing is built until something is sent."""
        self._inner = inner
        self._method = method
        self._metric = metric
        self._logger = logger
        self._metrics = metrics

    def _call(self, item: dict[str, Any]) -> None:
        try:
            getattr(self._inner(), self._method)(item)
        except Exception:  # noqa: BLE001 - counted and logged; the caller's write stands
            self._logger().exception(
                self._metric, extra={"kind": item.get("type") or item.get("kind")}
            )
            from aws_lambda_powertools.metrics import MetricUnit

            self._metrics().add_metric(name=self._metric, unit=MetricUnit.Count, value=1)

    def publish(self, event: dict[str, Any]) -> None:
        self._call(event)

    def enqueue(self, job: dict[str, Any]) -> None:
        self._call(job)

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        try:
            self._inner().publish_many(events)
        except Exception:  # noqa: BLE001 - counted and logged; the caller's writes stand
            self._logger().exception(self._metric, extra={"events": len(events)})
            from aws_lambda_powertools.metrics import MetricUnit

            self._metrics().add_metric(name=self._metric, unit=MetricUnit.Count, value=len(events))
