"""Powertools' structured logger and EMF metrics, one of each per process, built on first use
(never at import: a Logger or Metrics object costs a cold start)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics


@provider("aws.logger")
def logger() -> Logger:
    from aws_lambda_powertools import Logger

    return Logger(service=settings().service)


@provider("aws.metrics")
def metrics() -> Metrics:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace="PenguinMails", service=settings().service)


def count(name: str, value: float = 1) -> None:
    """Add ``value`` to the count metric ``name`` of this invocation or request."""
    from aws_lambda_powertools.metrics import MetricUnit

    metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)
