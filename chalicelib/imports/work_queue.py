"""The ``contact-imports`` queue: import and export jobs as small JSON bodies, sent in
batches of ten. Each entry's ``MessageGroupId`` is its tenant (SQS fair queues: one
tenant's 100-chunk import does not hold up another tenant's)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence


class SqsWorkQueue:
    def __init__(self, client: Any, url: str) -> None:
        self._client = client
        self._url = url

    def enqueue(self, jobs: Sequence[dict[str, Any]]) -> None:
        """Raises if SQS refuses any entry (the caller's step is then retried whole)."""
        for start in range(0, len(jobs), 10):
            entries = [
                {
                    "Id": str(index),
                    "MessageBody": json.dumps(job, separators=(",", ":")),
                    "MessageGroupId": str(job["tenant_id"]),
                }
                for index, job in enumerate(jobs[start : start + 10])
            ]
            reply = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            if reply.get("Failed"):
                raise RuntimeError(f"SQS refused {len(reply['Failed'])} import jobs")
