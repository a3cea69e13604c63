"""The SQS side of the redrive (``DeadLetterQueues``): receive with a visibility timeout,
SendMessageBatch keeping body, message attributes and FIFO ids, DeleteMessageBatch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.operations.ports import Parked

if TYPE_CHECKING:
    from collections.abc import Mapping

_ATTRIBUTE_KEYS = ("DataType", "StringValue", "BinaryValue")


class SqsDeadLetters:
    """``urls``: queue name → URL. ``hide_seconds``: how long a taken message stays hidden
    (a run that dies leaves it to come back after that); ``wait_seconds``: the long poll of
    a take (0 in tests: the emulator answers from every message at once)."""

    def __init__(
        self,
        client: Any,
        urls: Mapping[str, str],
        hide_seconds: int = 60,
        wait_seconds: int = 1,
    ) -> None:
        self._client = client
        self._urls = urls
        self._hide, self._wait = hide_seconds, wait_seconds

    def take(self, queue: str, most: int) -> list[Parked]:
        reply = self._client.receive_message(
            QueueUrl=self._urls[queue],
            MaxNumberOfMessages=max(1, min(10, most)),
            VisibilityTimeout=self._hide,
            WaitTimeSeconds=self._wait,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["MessageGroupId", "MessageDeduplicationId"],
        )
        return [_parked(m) for m in reply.get("Messages", [])]

    def put_back(self, queue: str, parked: list[Parked]) -> list[Parked]:
        if not parked:
            return []
        reply = self._client.send_message_batch(
            QueueUrl=self._urls[queue],
            Entries=[_entry(str(i), p) for i, p in enumerate(parked)],
        )
        return [parked[int(ok["Id"])] for ok in reply.get("Successful", [])]

    def forget(self, queue: str, parked: list[Parked]) -> None:
        if not parked:
            return
        self._client.delete_message_batch(
            QueueUrl=self._urls[queue],
            Entries=[{"Id": str(i), "ReceiptHandle": p.receipt} for i, p in enumerate(parked)],
        )  # a delete that fails leaves the original: a duplicate later, never a loss


def _parked(message: dict[str, Any]) -> Parked:
    system = message.get("Attributes", {})
    attributes = {
        name: {k: v for k, v in value.items() if k in _ATTRIBUTE_KEYS}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    return Parked(
        body=message["Body"],
        receipt=message["ReceiptHandle"],
        attributes=attributes,
        group_id=system.get("MessageGroupId"),
        dedup_id=system.get("MessageDeduplicationId"),
    )


def _entry(entry_id: str, parked: Parked) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": parked.body}
    if parked.attributes:
        entry["MessageAttributes"] = parked.attributes
    if parked.group_id:
        entry["MessageGroupId"] = parked.group_id
    if parked.dedup_id:
        entry["MessageDeduplicationId"] = parked.dedup_id
    return entry
