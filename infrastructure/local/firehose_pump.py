"""The local Firehose: what the template's ``AWS::KinesisFirehose::DeliveryStream`` does on
AWS (moto's Firehose does not read Kinesis), with the same input and output.

It reads the events stream with its own shard iterators from ``TRIM_HORIZON`` (apart from
the event consumer's pump: both see every record), buffers records per shard until the
buffer holds its size or its interval has passed (the template's ``BufferingHints``, scaled
down locally), turns the buffer into OLAP rows through the template's transformation Lambda
(``functions.olap_transform.handler``, called in-process as the other pumps call their
handlers, with Firehose's records in and out: rows enriched from the messages' facts, one
facts read per tenant of the flush; without a Lambda processor, ``olap.row``), then writes
one Parquet file per partition (the partition keys the transformation returns) to the
emulator's bucket at
``analytics/events/tenant_id=<t>/day=<d>/<stream>-<shard>-<first sequence>.parquet``.

The checkpoint (the last sequence written, per shard) moves only after every file of a
flush is written; a flush that fails drops its buffer and reads again from the checkpoint.
A file is named after the first record of its partition in its flush: after a failure, that
record is again the first of its partition in whichever flush holds it, so the rewrite
replaces the file instead of adding a second copy, however the buffers are cut the second
time. A record that is not an event (not JSON, no tenant: ``ProcessingFailed``) is counted
and skipped, as Firehose sends it to its error prefix; a transformation that raises fails
the flush, which is read again from the checkpoint.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.analytics import olap
from infrastructure.local import lambda_runtime, olap_files
from infrastructure.local import template as tpl

log = logging.getLogger("penguinmails.local.firehose")

MB = 1024 * 1024
LOCAL_SIZE_DIVISOR = 64  # 64 MB on AWS (dynamic partitioning's least) is 1 MB locally


@dataclass(frozen=True)
class DeliverySpec:
    """One delivery stream of the template: its name, source stream and buffering."""

    logical_id: str
    name: str
    source_logical_id: str
    size_bytes: int
    interval_seconds: float
    transform: tpl.FunctionSpec | None = None  # the Lambda processor, when there is one


def _deployed(value: Any) -> Any:
    """The Deployed branch of ``{Fn::If: [Deployed, a, b]}`` (what runs in-process locally)."""
    if isinstance(value, dict) and "Fn::If" in value:
        return value["Fn::If"][1]
    return value


def _transform(template: dict[str, Any], config: dict[str, Any]) -> tpl.FunctionSpec | None:
    processing = config.get("ProcessingConfiguration") or {}
    for processor in _deployed(processing.get("Processors")) or []:
        if processor.get("Type") != "Lambda":
            continue
        for parameter in processor.get("Parameters", []):
            if parameter["ParameterName"] == "LambdaArn":
                return tpl.functions(template)[tpl.target(parameter["ParameterValue"])]
    return None


def delivery_specs(template: dict[str, Any], time_scale: float) -> list[DeliverySpec]:
    """Every Kinesis-sourced delivery stream of the template, its buffer scaled down."""
    found = []
    for lid, resource in template["Resources"].items():
        if resource["Type"] != "AWS::KinesisFirehose::DeliveryStream":
            continue
        p = resource["Properties"]
        destination = p["ExtendedS3DestinationConfiguration"]
        hints = destination.get("BufferingHints", {})
        name = p["DeliveryStreamName"]
        name = name["Fn::Sub"] if isinstance(name, dict) else name
        found.append(
            DeliverySpec(
                logical_id=lid,
                name=name.replace("${Stage}", "local"),
                source_logical_id=p["KinesisStreamSourceConfiguration"]["KinesisStreamARN"][
                    "Fn::GetAtt"
                ][0],
                size_bytes=max(1, int(hints.get("SizeInMBs", 5)) * MB // LOCAL_SIZE_DIVISOR),
                interval_seconds=max(1.0, int(hints.get("IntervalInSeconds", 300)) / time_scale),
                transform=_transform(template, destination),
            )
        )
    return found


@dataclass
class _Buffer:
    records: list[tuple[str, bytes]] = field(default_factory=list)  # (sequence, data)
    size: int = 0
    opened: float = 0.0


class FirehosePump(threading.Thread):
    idle_wait = 0.25  # seconds after the first poll that found nothing
    max_idle_wait = 1.0

    def __init__(
        self,
        spec: DeliverySpec,
        kinesis: Any,
        s3: Any,
        stream: str,
        bucket: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name=f"firehose-{spec.logical_id}", daemon=True)
        self.spec, self.kinesis, self.s3 = spec, kinesis, s3
        self.stream, self.bucket, self.clock = stream, bucket, clock
        self.iterators: dict[str, str] = {}
        self.checkpoints: dict[str, str] = {}  # shard → last sequence written
        self.buffers: dict[str, _Buffer] = {}
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self.stats = {"records": 0, "failed_records": 0, "files": 0, "flushes": 0, "errors": 0}
        self.stats_text = {"last_error": ""}

    # --- the thread -----------------------------------------------------------------------

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        pause = self.idle_wait
        while not self._stop_event.is_set():
            try:
                busy = self.poll_once()
                self.flush(due_only=True)
            except Exception as exc:  # noqa: BLE001 - the pump outlives any one failure
                self.stats["errors"] += 1
                self.stats_text["last_error"] = f"{type(exc).__name__}: {exc}"[:300]
                log.exception("firehose %s failed", self.spec.logical_id)
                busy = False
            if busy:
                pause = self.idle_wait
            else:  # as the other pumps: back off while the stream is quiet
                self._stop_event.wait(pause)
                pause = min(pause * 2, self.max_idle_wait)

    def status(self) -> dict[str, Any]:
        return {
            "alive": self.is_alive(),
            "source": self.spec.source_logical_id,
            "buffered": sum(len(b.records) for b in self.buffers.values()),
            **self.stats,
            **self.stats_text,
        }

    # --- reading --------------------------------------------------------------------------

    def poll_once(self, limit: int = 1000) -> bool:
        """Read what each shard holds past its iterator into the buffers; True if any."""
        with self._lock:
            if not self.iterators:
                self._open_shards()
            busy = False
            for shard_id in list(self.iterators):
                busy |= self._read_shard(shard_id, limit)
            return busy

    def _open_shards(self) -> None:
        for shard in self.kinesis.list_shards(StreamName=self.stream)["Shards"]:
            self._open(shard["ShardId"])

    def _open(self, shard_id: str) -> None:
        """An iterator just past the shard's checkpoint (from the trimmed start without one)."""
        after = self.checkpoints.get(shard_id)
        extra = {"StartingSequenceNumber": after} if after else {}
        self.iterators[shard_id] = self.kinesis.get_shard_iterator(
            StreamName=self.stream,
            ShardId=shard_id,
            ShardIteratorType="AFTER_SEQUENCE_NUMBER" if after else "TRIM_HORIZON",
            **extra,
        )["ShardIterator"]

    def _read_shard(self, shard_id: str, limit: int) -> bool:
        reply = self.kinesis.get_records(ShardIterator=self.iterators[shard_id], Limit=limit)
        self.iterators[shard_id] = reply["NextShardIterator"]
        records = reply.get("Records", [])
        buffer = self.buffers.setdefault(shard_id, _Buffer())
        for record in records:
            self.stats["records"] += 1
            if not buffer.records:
                buffer.opened = self.clock()
            buffer.records.append((record["SequenceNumber"], record["Data"]))
            buffer.size += len(record["Data"])
        return bool(records)

    # --- writing --------------------------------------------------------------------------

    def flush(self, due_only: bool = False) -> dict[str, int]:
        """Write every buffer (``due_only``: those past their size or interval) as Parquet;
        the files and records written."""
        written = {"files": 0, "records": 0}
        with self._lock:
            for shard_id, buffer in list(self.buffers.items()):
                if buffer.records and (not due_only or self._due(buffer)):
                    files, records = self._flush_shard(shard_id, buffer)
                    written["files"] += files
                    written["records"] += records
        return written

    def _due(self, buffer: _Buffer) -> bool:
        full = buffer.size >= self.spec.size_bytes
        return full or self.clock() - buffer.opened >= self.spec.interval_seconds

    def _flush_shard(self, shard_id: str, buffer: _Buffer) -> tuple[int, int]:
        last = buffer.records[-1][0]
        try:
            rows = self._rows(buffer.records)
            files = self._write(shard_id, rows)
        except Exception:
            self.buffers[shard_id] = _Buffer()
            self._open(shard_id)  # read again from the checkpoint
            raise
        self.checkpoints[shard_id] = last  # only once every file is written
        self.buffers[shard_id] = _Buffer()
        self.stats["flushes"] += 1
        self.stats["files"] += files
        return files, sum(1 for _, row in rows if row)

    def _rows(self, records: list[tuple[str, bytes]]) -> list[tuple[str, dict[str, Any]]]:
        """(sequence, row) per record, ``{}`` for one that failed (it holds its place: the
        checkpoint still moves past it)."""
        if self.spec.transform is None:
            found = [(sequence, _row(data) or {}) for sequence, data in records]
        else:
            found = self._transformed(records)
        self.stats["failed_records"] += sum(1 for _, row in found if not row)
        return found

    def _transformed(self, records: list[tuple[str, bytes]]) -> list[tuple[str, dict[str, Any]]]:
        """The records through the transformation Lambda, with Firehose's input and output."""
        assert self.spec.transform is not None
        reply = lambda_runtime.invoke(
            self.spec.transform,
            {
                "invocationId": str(uuid.uuid4()),
                "deliveryStreamArn": f"arn:aws:firehose:us-east-1:123456789012:"
                f"deliverystream/{self.spec.name}",
                "region": "us-east-1",
                "records": [
                    {"recordId": sequence, "data": base64.b64encode(data).decode()}
                    for sequence, data in records
                ],
            },
        )
        out = {r["recordId"]: r for r in reply["records"]}
        return [(sequence, _transformed_row(out[sequence])) for sequence, _ in records]

    def _write(self, shard_id: str, rows: list[tuple[str, dict[str, Any]]]) -> int:
        partitions: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
        for sequence, row in rows:
            if row:
                partitions.setdefault((row["tenant_id"], row["day"]), []).append((sequence, row))
        for (tenant_id, day), group in sorted(partitions.items()):
            key = (
                f"{olap.partition_prefix(tenant_id, day)}"
                f"{self.spec.name}-{shard_id}-{group[0][0]}.parquet"
            )
            body = olap_files.parquet_bytes([row for _, row in group])
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return len(partitions)


def _transformed_row(record: dict[str, Any]) -> dict[str, Any]:
    """The row of an ``Ok`` record, in the partition its metadata names; ``{}`` otherwise."""
    if record["result"] != "Ok":
        return {}
    row: dict[str, Any] = json.loads(base64.b64decode(record["data"]))
    keys = record["metadata"]["partitionKeys"]
    return row | {"tenant_id": keys["tenant_id"], "day": keys["day"]}


def _row(data: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(data)
        return olap.row(event) if isinstance(event, dict) else None
    except (ValueError, KeyError, TypeError):
        return None


def build_firehose_pumps(
    template: dict[str, Any], emulator: Any, time_scale: float
) -> list[FirehosePump]:
    """One pump per delivery stream of the template, reading the emulator's stream and
    writing to its data bucket."""
    bucket = emulator.outputs["DataBucket"]
    return [
        FirehosePump(
            spec,
            emulator.client("kinesis"),
            emulator.client("s3"),
            emulator.physical[spec.source_logical_id],
            bucket,
        )
        for spec in delivery_specs(template, max(time_scale, math.ulp(1.0)))
    ]
