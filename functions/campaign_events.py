"""Campaign reactions (Kinesis, the events stream): message events of campaign messages move
campaign progress and stop or delay sequences (the campaigns feature's
``react_to_events``; idempotent by per-(enrolment, step) flags).

A record that is not a valid event is logged, counted and skipped; a storage failure fails
the batch from that record on (reported as a batch item failure), so it is retried.

Then the progress of the batch's campaigns goes to their live-update subscribers
(``realtime.push_campaign_counters``): here, because this is where campaign progress moves."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from chalicelib import campaigns, realtime
from chalicelib.aws import powertools
from functions._runtime import count, invocation, parse_event, settled_events, stream_events

if TYPE_CHECKING:
    from collections.abc import Mapping

INTERESTING = "message."


def react_one(record: Any) -> None:
    event = parse_event(base64.b64decode(record.kinesis.data))
    if event is None:
        powertools.logger().warning(
            "skipped a malformed event", extra={"sequence": record.kinesis.sequence_number}
        )
        count("MalformedEvents")
        return
    if str(event["type"]).startswith(INTERESTING):
        count("CampaignReactions", campaigns.react_to_events([event]))


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    with invocation("campaign_events", context):
        processor = BatchProcessor(
            event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False
        )
        reply = process_partial_response(
            event=event, record_handler=react_one, processor=processor, context=context
        )
        moved = [
            e
            for e in settled_events(stream_events(event), reply)
            if str(e["type"]).startswith(INTERESTING)
        ]
        realtime.push_campaign_counters(moved)
        return reply
