"""What every worker entry point shares: structured logs with the request id and cold-start
flag, and EMF metrics flushed at the end of each invocation."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from chalicelib import deps

_cold = {"value": True}


@contextlib.contextmanager
def invocation(name: str, context: Any) -> Iterator[Any]:
    log = deps.logger()
    cold, _cold["value"] = _cold["value"], False
    log.append_keys(
        function=name, cold_start=cold, request_id=getattr(context, "aws_request_id", None)
    )
    started = time.perf_counter()
    try:
        yield log
    finally:
        log.info(
            "invocation", extra={"duration_ms": round((time.perf_counter() - started) * 1000, 2)}
        )
        deps.metrics().flush_metrics()


def count(name: str, value: float = 1) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    deps.metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)
