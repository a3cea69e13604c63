"""Domain events onto the one Kinesis stream, partitioned by tenant."""

from __future__ import annotations

import json
from typing import Any


class KinesisEventPublisher:
    def __init__(self, client: Any, stream_name: str) -> None:
        self._client = client
        self._stream = stream_name

    def publish(self, event: dict[str, Any]) -> None:
        data = json.dumps(event, separators=(",", ":"), sort_keys=True).encode("utf-8")
        self._client.put_record(StreamName=self._stream, Data=data, PartitionKey=event["tenant_id"])
