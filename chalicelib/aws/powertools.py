"""Powertools' structured logger and EMF metrics, built on first use (never at import: a Logger
or Metrics object costs a cold start), and scoped to the one request or invocation at work.

Powertools keeps the keys appended to a Logger, and the metrics added to a Metrics, in one
place per process that every instance shares. A Lambda container runs one invocation at a
time, so there that place holds one invocation's keys and metrics. The local platform runs
the API's requests and every worker on threads of one process, where a worker's ``function``
key would tag the API's lines and one request's flush would print (or, metrics off, keep)
another's metrics. So the keys of a piece of work are set for its thread and its duration
(``log_scope``), and each thread has its own metric set (``ThreadMetrics``): in Lambda that
is the behaviour it always had, locally each request and invocation is alone.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
        AmazonCloudWatchEMFProvider,
    )


@provider("aws.logger")
def logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=settings().service)


@contextlib.contextmanager
def log_scope(**keys: object) -> Iterator[Logger]:
    """Every line this thread logs until the block ends carries ``keys`` and no key of other
    work; the thread's keys from before the block are back after it."""
    log = logger()
    before = dict(log.thread_safe_get_current_keys())
    log.thread_safe_clear_keys()
    log.thread_safe_append_keys(**keys)
    try:
        yield log
    finally:
        log.thread_safe_clear_keys()
        if before:
            log.thread_safe_append_keys(**before)


class ThreadMetrics:
    """EMF metrics, one set per thread: what a request or invocation adds is what its own
    ``flush_metrics`` prints, and then forgets."""

    def __init__(self, namespace: str, service: str) -> None:
        self.namespace, self.service = namespace, service
        self._per_thread = threading.local()

    def _mine(self) -> AmazonCloudWatchEMFProvider:
        found: AmazonCloudWatchEMFProvider | None = getattr(self._per_thread, "emf", None)
        if found is None:
            from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
                AmazonCloudWatchEMFProvider,
            )

            found = self._per_thread.emf = AmazonCloudWatchEMFProvider(
                metric_set={},  # its own sets: a Metrics object would share the process's
                dimension_set={},
                metadata_set={},
                default_dimensions={},
                namespace=self.namespace,
                service=self.service,
            )
        return found

    def add_metric(self, name: str, unit: MetricUnit | str, value: float) -> None:
        self._mine().add_metric(name=name, unit=unit, value=value)

    def flush_metrics(self) -> None:
        """Print this thread's metrics as EMF and forget them; with metrics off nothing is
        printed and they are forgotten too (Powertools alone would keep them, and print them
        when a metric reaches 100 values). No metrics: nothing to print, no warning."""
        mine = self._mine()
        if mine.metric_set:
            mine.flush_metrics()
            mine.clear_metrics()

    def emit(
        self,
        dimensions: Mapping[str, str],
        values: Mapping[str, float],
        units: Mapping[str, str] | None = None,
    ) -> None:
        """Print one EMF record now: metrics ``values`` (counts unless ``units`` names
        another unit, ``"Seconds"``) with ``dimensions`` beside the service, apart from this
        thread's other metrics (a dimension applies to a whole record, so each queue, say,
        gets its own)."""
        from aws_lambda_powertools.metrics import MetricUnit
        from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
            AmazonCloudWatchEMFProvider,
        )

        record = AmazonCloudWatchEMFProvider(
            metric_set={},
            dimension_set={},
            metadata_set={},
            default_dimensions={},
            namespace=self.namespace,
            service=self.service,
        )
        for name, value in dimensions.items():
            record.add_dimension(name=name, value=value)
        for name, amount in values.items():
            unit = MetricUnit[(units or {}).get(name, "Count")]
            record.add_metric(name=name, unit=unit, value=amount)
        if record.metric_set:
            record.flush_metrics()
            record.clear_metrics()


@provider("aws.metrics")
def metrics() -> ThreadMetrics:
    return ThreadMetrics(namespace="PenguinMails", service=settings().service)


def count(name: str, value: float = 1) -> None:
    """Add ``value`` to the count metric ``name`` of this invocation or request."""
    from aws_lambda_powertools.metrics import MetricUnit

    metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_by(
    dimensions: Mapping[str, str],
    values: Mapping[str, float],
    units: Mapping[str, str] | None = None,
) -> None:
    """Metrics ``values`` with ``dimensions`` (``{"Queue": "send-bulk"}``), printed at once
    as their own EMF record; counts unless ``units`` says otherwise."""
    metrics().emit(dimensions, values, units)
