"""Event consumer (Kinesis): keeps the per-tenant real-time counters.

Idempotent by ``event_id`` (see ``DynamoCounterStore.apply_once``). A record that is not
a valid event is logged, counted and skipped — it can never become valid, and blocking
the shard on it would stall every tenant. A storage failure is reported as a batch item
failure, so the shard is retried from that record on.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import deps
from functions._runtime import count, invocation

REQUIRED = ("event_id", "type", "tenant_id", "occurred_at", "schema_version")


def parse_event(data: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(event, dict) or any(
        not isinstance(event.get(k), str | int) for k in REQUIRED
    ):
        return None
    return event


def consume_one(record: Any) -> None:
    import base64

    event = parse_event(base64.b64decode(record.kinesis.data))
    if event is None:
        deps.logger().warning(
            "skipped a malformed event", extra={"sequence": record.kinesis.sequence_number}
        )
        count("MalformedEvents")
        return
    counted = deps.counters().apply_once(event)
    count("EventsCounted" if counted else "EventDuplicatesSkipped")


def _count_whole_batch(event: dict[str, Any]) -> bool:
    """The cheap path: every event of the batch counted in a few transactions. Any doubt (a
    malformed record, a redelivered event, a storage error) falls back to the per-record
    path, which reports partial failures and skips what is already counted."""
    import base64

    records = event.get("Records") or []
    parsed = [parse_event(base64.b64decode(r["kinesis"]["data"])) for r in records]
    if not parsed or any(e is None for e in parsed):
        return False
    try:
        counted = deps.counters().apply_many(parsed)
    except Exception:  # noqa: BLE001 - the per-record path retries and reports precisely
        deps.logger().exception("batch counting failed; counting event by event")
        return False
    if counted:
        count("EventsCounted", len(parsed))
    return counted


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    with invocation("event_consumer", context):
        if _count_whole_batch(event):
            return {"batchItemFailures": []}
        processor = BatchProcessor(
            event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False
        )
        return process_partial_response(
            event=event, record_handler=consume_one, processor=processor, context=context
        )
