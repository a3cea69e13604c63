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


class Queues:
    """Named queues (``priority``, ``bulk``, ``inbound``) and their DLQs: ids only, sent in
    batches of ten, each with its own delay (SQS allows up to 15 minutes).

    Every entry's ``MessageGroupId`` is its tenant id: on a standard queue that makes SQS
    serve it as a *fair queue* (a tenant with a backlog does not delay the others' messages;
    README, "Fairness between tenants"). It orders nothing on a standard queue."""

    def __init__(self, client: Any, urls: dict[str, str], dead: dict[str, str]) -> None:
        self._client = client
        self._urls = urls
        self._dead = dead

    def dead(self, queue: str, job: tuple[str, str], reason: str) -> None:
        """Park a message that has failed for good on the queue's DLQ, with the reason."""
        tenant_id, message_id = job
        body = {"tenant_id": tenant_id, "message_id": message_id, "reason": reason}
        self._client.send_message(
            QueueUrl=self._dead[queue], MessageBody=json.dumps(body), MessageGroupId=tenant_id
        )

    def enqueue_many(
        self, queue: str, jobs: list[tuple[str, str, int]], key: str = "message_id"
    ) -> None:
        """``jobs``: (tenant id, message id — or ``key`` — , delay seconds); raises if any
        entry is refused."""
        for start in range(0, len(jobs), 10):
            entries = [
                {
                    "Id": str(index),
                    "MessageBody": json.dumps({"tenant_id": t, key: m}),
                    "DelaySeconds": max(0, min(900, int(delay))),
                    "MessageGroupId": t,
                }
                for index, (t, m, delay) in enumerate(jobs[start : start + 10])
            ]
            reply = self._client.send_message_batch(QueueUrl=self._urls[queue], Entries=entries)
            if reply.get("Failed"):
                raise RuntimeError(f"SQS refused {len(reply['Failed'])} send jobs")


def depth(client: Any, url: str) -> int:
    """Messages waiting in a queue (SQS's approximate count)."""
    attrs = client.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attrs.get("ApproximateNumberOfMessages", 0))


def oldest_age(client: Any, url: str, now: float) -> int:
    """Seconds since the oldest of up to ten sampled messages was sent; 0 when none is
    visible. The sample is a receive with visibility 0 (nothing is hidden), and it counts as
    a receive: use it only on a queue without a redrive policy (a dead-letter queue), never
    on one whose ``maxReceiveCount`` it would spend. SQS gives no oldest age otherwise (its
    own ``ApproximateAgeOfOldestMessage`` is a CloudWatch metric)."""
    reply = client.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=0,
        WaitTimeSeconds=0,
        MessageSystemAttributeNames=["SentTimestamp"],
    )
    sent = [
        int(m["Attributes"]["SentTimestamp"])
        for m in reply.get("Messages", [])
        if "SentTimestamp" in m.get("Attributes", {})
    ]
    return max(0, int(now - min(sent) / 1000)) if sent else 0
