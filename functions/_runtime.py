"""What every worker entry point shares: structured logs with the function's name, request id
and cold-start flag, EMF metrics flushed at the end of each invocation, and SQS partial batch
failures, and the events of a batch of the events stream (``stream_events``,
``settled_events``). Several functions share one process locally (the platform's pumps and
scheduler), so a cold start is counted per function name, as each Lambda function has its own."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from chalicelib.aws import powertools

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from chalicelib.core.events import Event

_warm: set[str] = set()  # functions that already ran in this process
count = powertools.count


@contextlib.contextmanager
def invocation(name: str, context: Any) -> Iterator[Any]:
    """One invocation of the function ``name``: its lines carry its name, request id and
    cold-start flag (and no other handler's: ``powertools.log_scope``), one closing line
    with its duration, its metrics flushed at the end."""
    cold = name not in _warm
    _warm.add(name)
    request_id = getattr(context, "aws_request_id", None)
    started = time.perf_counter()
    with powertools.log_scope(function=name, cold_start=cold, request_id=request_id) as log:
        try:
            yield log
        finally:
            log.info(
                "invocation",
                extra={"duration_ms": round((time.perf_counter() - started) * 1000, 2)},
            )
            powertools.metrics().flush_metrics()


def sqs_partial_batch(
    event: dict[str, Any], context: Any, record_handler: Callable[[Any], None]
) -> Mapping[str, object]:
    """Powertools' BatchProcessor over an SQS event: each record handled alone, failures
    reported as ``batchItemFailures`` (the mapping has ReportBatchItemFailures on)."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


REQUIRED = ("event_id", "type", "tenant_id", "occurred_at", "schema_version")


def parse_event(data: bytes) -> Event | None:
    """One record's data as an event, or None when it is not one (never valid later)."""
    try:
        event = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(event, dict) or any(
        not isinstance(event.get(k), str | int) for k in REQUIRED
    ):
        return None
    return event


def stream_events(event: Mapping[str, Any]) -> list[tuple[str | None, Event | None]]:
    """Each Kinesis record of the batch as (sequence number, its event or None), in order:
    decoded and parsed once per invocation."""
    return [
        (
            record["kinesis"].get("sequenceNumber"),
            parse_event(base64.b64decode(record["kinesis"]["data"])),
        )
        for record in event.get("Records") or []
    ]


def settled_events(
    decoded: list[tuple[str | None, Event | None]], reply: Mapping[str, Any]
) -> list[Event]:
    """The batch's valid events before its first failed record (that one and every later
    one come back in the retry, and are handled then)."""
    failed = {f.get("itemIdentifier") for f in reply.get("batchItemFailures") or []}
    settled = []
    for sequence, parsed in decoded:
        if sequence in failed:
            break
        if parsed is not None:
            settled.append(parsed)
    return settled
