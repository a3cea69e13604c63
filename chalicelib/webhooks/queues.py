"""The webhooks queues: deliveries on the FIFO ``webhook-deliveries`` queue (a group per
endpoint and message keeps a message's events in order; the dedup id drops a second enqueue
of one delivery within SQS's five minutes), replay job steps on ``webhook-replays``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.webhooks.ports import QueuedDelivery


class SqsDeliveryQueue:
    def __init__(self, client: Any, url: str) -> None:
        self._client, self._url = client, url

    def send(self, deliveries: Sequence[QueuedDelivery]) -> None:
        for start in range(0, len(deliveries), 10):
            entries = [
                {
                    "Id": str(i),
                    "MessageBody": json.dumps(d.body(), separators=(",", ":")),
                    "MessageGroupId": d.group[:128],
                    "MessageDeduplicationId": d.dedup[:128],
                }
                for i, d in enumerate(deliveries[start : start + 10])
            ]
            reply = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            if reply.get("Failed"):
                raise RuntimeError(f"SQS refused {len(reply['Failed'])} webhook deliveries")


class SqsReplayQueue:
    def __init__(self, client: Any, url: str) -> None:
        self._client, self._url = client, url

    def enqueue(self, tenant_id: str, endpoint_id: str, job_id: str) -> None:
        body = {"tenant_id": tenant_id, "endpoint_id": endpoint_id, "job_id": job_id}
        self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps(body))
