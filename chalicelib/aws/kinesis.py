"""Domain events onto the one Kinesis stream, partitioned by tenant."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.aws import clients
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.core.events import EventPublisher


def _data(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode("utf-8")


class KinesisEventPublisher:
    def __init__(self, client: Any, stream_name: str) -> None:
        self._client = client
        self._stream = stream_name

    def publish(self, event: dict[str, Any]) -> None:
        self._client.put_record(
            StreamName=self._stream, Data=_data(event), PartitionKey=event["tenant_id"]
        )

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        """PutRecords in calls of up to 500; records Kinesis refused are sent again (up to
        three rounds), then the call raises so the caller can count the loss."""
        for start in range(0, len(events), 500):
            pending = events[start : start + 500]
            for _ in range(3):
                reply = self._client.put_records(
                    StreamName=self._stream,
                    Records=[{"Data": _data(e), "PartitionKey": e["tenant_id"]} for e in pending],
                )
                if not reply.get("FailedRecordCount"):
                    break
                pending = [
                    e for e, r in zip(pending, reply["Records"], strict=True) if r.get("ErrorCode")
                ]
            else:
                raise RuntimeError(f"Kinesis refused {len(pending)} events")


@provider("aws.events")
def events() -> EventPublisher:
    """The stream publisher of the outbox relay (the only writer of the stream); raises when
    Kinesis refuses, so the relay's batch is retried."""
    return KinesisEventPublisher(clients.kinesis(), settings().events_stream)
