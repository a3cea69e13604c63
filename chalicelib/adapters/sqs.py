"""Jobs onto SQS queues: small JSON bodies with ids, never secrets or message bodies."""

from __future__ import annotations

import json
from typing import Any


class SqsJobQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def enqueue(self, job: dict[str, Any]) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps(job))
