"""Event consumer (Kinesis): keeps the real-time counters (per tenant, and the analytics
metrics per campaign, mailbox, domain and recipient provider), and puts opens and clicks on
their message (the sending feature's writes, in the same transaction). The facts of the
batch's messages come from the sending feature in one read per 100 messages.

Idempotent by ``event_id`` (see ``analytics``). A record that is not a valid event is
logged, counted and skipped — it can never become valid, and blocking the shard on it would
stall every tenant. A storage failure is reported as a batch item failure, so the shard is
retried from that record on.

After counting, the batch's events (up to a failed record, which comes back) are pushed to
their live-update subscribers with the tenants' totals (``realtime.push_events``): never
failing the batch, cheap when nobody listens.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from chalicelib import analytics, realtime, sending
from chalicelib.aws import powertools
from functions._runtime import count, invocation, parse_event, settled_events, stream_events

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.core.events import Event


def _counters() -> analytics.CounterStore:
    return analytics.counting_store(sending.engagement())


def _sources() -> analytics.Sources:
    return analytics.Sources(sending.message_facts(), analytics.providers())


def consume_one(record: Any) -> None:
    event = parse_event(base64.b64decode(record.kinesis.data))
    if event is None:
        powertools.logger().warning(
            "skipped a malformed event", extra={"sequence": record.kinesis.sequence_number}
        )
        count("MalformedEvents")
        return
    counted = analytics.count_one(_counters(), event, _sources())
    count("EventsCounted" if counted else "EventDuplicatesSkipped")


def _count_whole_batch(decoded: list[tuple[str | None, Event | None]]) -> bool:
    """The cheap path: every event of the batch counted in a few transactions. Any doubt (a
    malformed record, a redelivered event, a storage error) falls back to the per-record
    path, which reports partial failures and skips what is already counted."""
    parsed = [e for _, e in decoded]
    valid = [e for e in parsed if e is not None]
    if not parsed or len(valid) != len(parsed):
        return False
    try:
        counted = analytics.count_batch(_counters(), valid, _sources())
    except Exception:  # noqa: BLE001 - the per-record path retries and reports precisely
        powertools.logger().exception("batch counting failed; counting event by event")
        return False
    if counted:
        count("EventsCounted", len(valid))
    return counted


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    with invocation("event_consumer", context):
        decoded = stream_events(event)
        reply: Mapping[str, Any] = {"batchItemFailures": []}
        if not _count_whole_batch(decoded):
            processor = BatchProcessor(
                event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False
            )
            reply = process_partial_response(
                event=event, record_handler=consume_one, processor=processor, context=context
            )
        realtime.push_events(settled_events(decoded, reply))
        return reply
