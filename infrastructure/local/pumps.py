"""Event pumps: deliver SQS messages, Kinesis records and DynamoDB Stream records to the
handlers Lambda would call.

They honour what the template declares for each mapping: batch size, the queue's
visibility timeout (scaled down by the platform's time scale so retries come back in
seconds), partial batch failures (``batchItemFailures``), and DLQ redrive (the emulator
moves a message once its receive count passes ``maxReceiveCount``). A handler that raises
fails the whole batch, as on Lambda. Each pump is one thread; ``stop`` ends it within a
second. Each invocation goes through the platform's fault switches (``faults``): a killed
invocation is a failed batch, and an SQS pump may hand a batch to a second invocation at the
same time (``sqs_duplicate``).
"""

from __future__ import annotations

import base64
import logging
import math
import threading
import time
from typing import Any

from infrastructure.local import lambda_runtime
from infrastructure.local.template import MappingSpec

log = logging.getLogger("penguinmails.local.pumps")


class Pump(threading.Thread):
    """Polls one event source and calls its handler. After a poll that found nothing it
    waits ``idle_wait``, doubling on each further empty poll up to ``max_idle_wait``, and
    polls at once again after one that found something: a busy source is drained without
    pauses, and an idle platform is not kept busy by its own polling (at a fixed 50 ms, the
    pumps' requests to the emulator took about half a core of an idle platform; an event
    arriving after a quiet spell now waits at most ``max_idle_wait``)."""

    idle_wait = 0.05  # seconds after the first poll that found nothing
    max_idle_wait = 0.5

    def __init__(self, mapping: MappingSpec, emulator: Any, faults: Any = None) -> None:
        super().__init__(name=f"pump-{mapping.logical_id}", daemon=True)
        self.mapping = mapping
        self.emulator = emulator
        self.faults = faults
        self._stop_event = threading.Event()
        self.stats = {
            "batches": 0,
            "records": 0,
            "failed_records": 0,
            "errors": 0,
            "last_error": "",
        }

    def stop(self) -> None:
        self._stop_event.set()

    @property
    def stopped(self) -> bool:
        return self._stop_event.is_set()

    def run(self) -> None:
        pause = self.idle_wait
        while not self.stopped:
            try:
                if self.poll_once():
                    pause = self.idle_wait
                else:
                    self._stop_event.wait(pause)
                    pause = min(pause * 2, self.max_idle_wait)
            except Exception as exc:  # noqa: BLE001 - a pump outlives any one failure
                self.stats["errors"] += 1
                self.stats["last_error"] = f"{type(exc).__name__}: {exc}"[:300]
                log.exception("pump %s failed a poll", self.mapping.logical_id)
                self._stop_event.wait(0.5)

    def deliver(self, event: dict[str, Any]) -> set[str] | None:
        """Call the handler; the failed item ids, or None when the whole batch failed."""
        self.stats["batches"] += 1
        self.stats["records"] += len(event["Records"])
        try:
            reply = self._invoke(event)
        except Exception as exc:  # noqa: BLE001 - the batch fails, as on Lambda
            self.stats["errors"] += 1
            self.stats["last_error"] = f"{type(exc).__name__}: {exc}"[:300]
            log.exception("handler %s raised", self.mapping.function.handler)
            return None
        failures = (
            (reply or {}).get("batchItemFailures", []) if self.mapping.report_failures else []
        )
        self.stats["failed_records"] += len(failures)
        return {f["itemIdentifier"] for f in failures}

    def _invoke(self, event: dict[str, Any]) -> Any:
        function = self.mapping.function
        if self.faults is None:
            return lambda_runtime.invoke(function, event)
        return self.faults.invoke(function.handler, lambda: lambda_runtime.invoke(function, event))

    def poll_once(self) -> bool:
        raise NotImplementedError

    def status(self) -> dict[str, Any]:
        return {
            "alive": self.is_alive(),
            "source": self.mapping.source_logical_id,
            "handler": self.mapping.function.handler,
            **self.stats,
        }


class SqsPump(Pump):
    def __init__(
        self, mapping: MappingSpec, emulator: Any, time_scale: float, faults: Any = None
    ) -> None:
        super().__init__(mapping, emulator, faults)
        self.sqs = emulator.client("sqs")
        self.url = emulator.physical[mapping.source_logical_id]
        self.arn = emulator.arn(mapping.source_logical_id)
        declared = int(
            self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["VisibilityTimeout"])[
                "Attributes"
            ]["VisibilityTimeout"]
        )
        self.visibility = max(1, math.ceil(declared / time_scale))

    def poll_once(self) -> bool:
        reply = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=min(self.mapping.batch_size, 10),
            WaitTimeSeconds=1,
            VisibilityTimeout=self.visibility,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = reply.get("Messages", [])
        if not messages:
            return False
        failed = self._deliver_received(messages)
        if failed is None:
            return True
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ],
            )
        return True

    def _deliver_received(self, messages: list[dict[str, Any]]) -> set[str] | None:
        """Deliver a received batch; under ``sqs_duplicate`` a second invocation gets the same
        records at the same time (its answer is ignored: the first one's decides the acks)."""
        twin = None
        if self.faults is not None and self.faults.duplicate_batch():
            copy = {"Records": [self._record(m) for m in messages]}
            twin = threading.Thread(target=self.deliver, args=(copy,), daemon=True)
            twin.start()
        try:
            return self.deliver({"Records": [self._record(m) for m in messages]})
        finally:
            if twin is not None:
                twin.join()

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arn,
            "awsRegion": "us-east-1",
        }


class KinesisPump(Pump):
    max_idle_wait = 0.5

    def __init__(self, mapping: MappingSpec, emulator: Any, faults: Any = None) -> None:
        super().__init__(mapping, emulator, faults)
        self.kinesis = emulator.client("kinesis")
        self.stream = emulator.physical[mapping.source_logical_id]
        self.arn = emulator.arn(mapping.source_logical_id)
        self.iterators: dict[str, str] = {}
        self.attempts: dict[str, int] = {}

    def _open_shards(self) -> None:
        shards = self.kinesis.list_shards(StreamName=self.stream)["Shards"]
        for shard in shards:
            if shard["ShardId"] not in self.iterators:
                self.iterators[shard["ShardId"]] = self.kinesis.get_shard_iterator(
                    StreamName=self.stream,
                    ShardId=shard["ShardId"],
                    ShardIteratorType=self.mapping.starting_position,
                )["ShardIterator"]

    def poll_once(self) -> bool:
        if not self.iterators:
            self._open_shards()
        busy = False
        for shard_id, iterator in list(self.iterators.items()):
            busy |= self._poll_shard(shard_id, iterator)
        return busy

    def _poll_shard(self, shard_id: str, iterator: str) -> bool:
        reply = self.kinesis.get_records(ShardIterator=iterator, Limit=self.mapping.batch_size)
        records = reply.get("Records", [])
        if not records:
            self.iterators[shard_id] = reply["NextShardIterator"]
            return False
        failed = self.deliver({"Records": [self._record(shard_id, r) for r in records]})
        if failed == set():
            self.attempts.pop(shard_id, None)
            self.iterators[shard_id] = reply["NextShardIterator"]
            return True
        first = min(
            (
                r["SequenceNumber"]
                for r in records
                if failed is None or r["SequenceNumber"] in failed
            ),
            key=int,
        )
        self._retry_from(shard_id, first, records, reply["NextShardIterator"])
        return True

    def _retry_from(
        self, shard_id: str, sequence: str, records: list[dict[str, Any]], next_iterator: str
    ) -> None:
        self.attempts[shard_id] = self.attempts.get(shard_id, 0) + 1
        if self.attempts[shard_id] > self.mapping.max_retries:
            log.error("discarding kinesis batch after %s retries", self.mapping.max_retries)
            self.attempts.pop(shard_id, None)
            self.iterators[shard_id] = next_iterator
            return
        time.sleep(min(0.1 * 2 ** self.attempts[shard_id], 2.0))
        self.iterators[shard_id] = self.kinesis.get_shard_iterator(
            StreamName=self.stream,
            ShardId=shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=sequence,
        )["ShardIterator"]

    def _record(self, shard_id: str, record: dict[str, Any]) -> dict[str, Any]:
        arrival = record.get("ApproximateArrivalTimestamp")
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(record["Data"]).decode("ascii"),
                "approximateArrivalTimestamp": arrival.timestamp() if arrival else time.time(),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard_id}:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "awsRegion": "us-east-1",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/local",
            "eventSourceARN": self.arn,
        }


class DynamoStreamPump(Pump):
    """A table's DynamoDB Stream, read like Lambda reads it: batches in order from the
    trimmed start; a failed batch (or the first failed record) is retried with backoff,
    forever when the mapping says ``MaximumRetryAttempts: -1``, so nothing after it is
    skipped. The emulator keeps one shard per table."""

    idle_wait = 0.25  # six tables have streams: poll them gently
    max_idle_wait = 1.0
    # ... but the outbox is on every event's way to the stream, and so to the live updates
    # (pushed within about a second of the event): it waits at most a quarter second
    PROMPT_SOURCES = frozenset({"OutboxTable"})
    prompt_idle_wait = 0.25

    def __init__(self, mapping: MappingSpec, emulator: Any, faults: Any = None) -> None:
        super().__init__(mapping, emulator, faults)
        if mapping.source_logical_id in self.PROMPT_SOURCES:
            self.max_idle_wait = self.prompt_idle_wait
        self.streams = emulator.client("dynamodbstreams")
        table = emulator.physical[mapping.source_logical_id]
        described = emulator.client("dynamodb").describe_table(TableName=table)["Table"]
        self.arn = described["LatestStreamArn"]
        self.shard_id = ""
        self.iterator = ""
        self.attempts = 0

    def _open(self, kind: str = "TRIM_HORIZON", sequence: str | None = None) -> None:
        if not self.shard_id:
            shards = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]
            self.shard_id = shards["Shards"][0]["ShardId"]
        extra = {"SequenceNumber": sequence} if sequence else {}
        self.iterator = self.streams.get_shard_iterator(
            StreamArn=self.arn, ShardId=self.shard_id, ShardIteratorType=kind, **extra
        )["ShardIterator"]

    def poll_once(self) -> bool:
        if not self.iterator:
            self._open()
        reply = self.streams.get_records(ShardIterator=self.iterator, Limit=self.mapping.batch_size)
        records = reply.get("Records", [])
        following = reply.get("NextShardIterator") or self.iterator
        if not records:
            self.iterator = following
            return False
        for record in records:
            record["eventSourceARN"] = self.arn
        failed = self.deliver({"Records": records})
        if failed == set():
            self.attempts, self.iterator = 0, following
            return True
        numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
        first = min((n for n in numbers if failed is None or n in failed), key=int)
        self._retry_from(first, following)
        return True

    def _retry_from(self, sequence: str, following: str) -> None:
        self.attempts += 1
        limit = self.mapping.max_retries
        if 0 <= limit < self.attempts:
            log.error("discarding stream batch after %s retries", limit)
            self.attempts, self.iterator = 0, following
            return
        self._stop_event.wait(min(0.1 * 2 ** min(self.attempts, 5), 2.0))
        self._open("AT_SEQUENCE_NUMBER", sequence)


def build_pumps(
    mappings: list[MappingSpec], emulator: Any, time_scale: float, faults: Any = None
) -> list[Pump]:
    pumps: list[Pump] = []
    for mapping in mappings:
        if mapping.source_type == "AWS::SQS::Queue":
            pumps.append(SqsPump(mapping, emulator, time_scale, faults))
        elif mapping.source_type == "AWS::Kinesis::Stream":
            pumps.append(KinesisPump(mapping, emulator, faults))
        elif mapping.source_type == "AWS::DynamoDB::Table":
            pumps.append(DynamoStreamPump(mapping, emulator, faults))
        else:
            raise ValueError(f"{mapping.logical_id}: no local pump for {mapping.source_type}")
    return pumps
