"""Outbox relay (DynamoDB Streams): puts the events stored with each state change on the
Kinesis stream (see ``chalicelib.aws.outbox``).

One invocation takes a batch of stream records of one table, in order, and publishes their
events in one PutRecords round (refused records are sent again, three rounds). If Kinesis
still refuses, the batch is reported failed from its first record, so the mapping retries
it (until it succeeds or the stream's 24 h retention ends) and nothing after it is skipped;
events already put are put again then, which consumers absorb by ``event_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.aws import kinesis, outbox
from functions._runtime import count, invocation

if TYPE_CHECKING:
    from collections.abc import Mapping


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    with invocation("outbox_relay", context) as log:
        records = event.get("Records") or []
        events = [e for r in records for e in outbox.events_of_change(r)]
        if not events:
            return {"batchItemFailures": []}
        try:
            kinesis.events().publish_many(events)
        except Exception:  # noqa: BLE001 - the whole batch comes back; nothing is lost
            log.exception("the stream refused the outbox batch; it will be retried")
            count("OutboxRelayFailures")
            first = records[0]["dynamodb"]["SequenceNumber"]
            return {"batchItemFailures": [{"itemIdentifier": first}]}
        count("EventsRelayed", len(events))
        return {"batchItemFailures": []}
