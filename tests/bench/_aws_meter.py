"""What the cost bench measures while the real handlers run against moto in-process:

- every AWS request the code makes (a botocore ``before-parameter-build`` hook on each client
  the wiring hands out), with its billing units sized from the request or the reply: a
  DynamoDB write is one unit per started KB of the item (an update is sized by the item as
  it stands after it, read from moto's backend), a read one unit per
  started 4 KB (half when eventually consistent);
- every Lambda invocation, by function, with its wall time (``Invocations.timed``);
- the bytes the handlers print (logs and EMF metrics: what CloudWatch Logs ingests), and
  the custom metrics the EMF lines declare.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

WRITE_UNIT, READ_UNIT = 1024, 4096


def attribute_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (close to its published rules)."""
    kind, inner = next(iter(value.items()))
    if kind in ("S", "B"):
        return len(inner.encode() if isinstance(inner, str) else inner)
    if kind == "N":
        return len(inner.strip("-").replace(".", "")) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: v}) for v in inner)
    if kind == "M":
        return 3 + item_size(inner) + len(inner)
    return 3 + sum(attribute_size(v) + 1 for v in inner)  # L


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_size(v) for name, v in item.items())


def _write_units(item: dict[str, Any] | None) -> int:
    return max(1, math.ceil(item_size(item or {}) / WRITE_UNIT))


def _read_units(items: list[dict[str, Any]], consistent: bool) -> float:
    units = max(1, math.ceil(sum(item_size(i) for i in items) / READ_UNIT))
    return units if consistent else units / 2


class MotoTables:
    """Items as moto's in-process backend holds them, read without a request (a request
    would be metered, and its serialisation would double the bench's time)."""

    def __init__(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self._backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    def key_names(self, table: str) -> list[str]:
        found = self._backend.get_table(table)
        return [n for n in (found.hash_key_attr, found.range_key_attr) if n]

    def size(self, table: str, key: dict[str, Any]) -> int:
        item = self._backend.get_item(table, key)
        return item.size() if item else 0


class Meter:
    """Counts API calls and billing units of the clients it is registered on."""

    def __init__(self, tables: MotoTables) -> None:
        self.calls: Counter[str] = Counter()
        self.units: Counter[str] = Counter()
        self._tables = tables  # to size an item as an update left it
        self._keys: dict[str, list[str]] = {}
        self.objects: dict[str, int] = {}  # S3 key -> bytes, as last written in the run
        self.items: dict[str, int] = {}  # table and key -> item bytes, as last written

    def stored(self) -> tuple[int, int]:
        """Bytes the run left in S3 and DynamoDB (items: +100 bytes of overhead each)."""
        return sum(self.objects.values()), sum(s + 100 for s in self.items.values() if s)

    def _remember(self, table: str, item: dict[str, Any], size: int) -> None:
        if table not in self._keys:
            self._keys[table] = self._tables.key_names(table)
        key = json.dumps([item.get(k) for k in self._keys[table]], sort_keys=True)
        self.items[f"{table} {key}"] = size

    def before(self, model: Any, params: dict[str, Any], context: dict, **_: Any) -> None:
        context["metered_params"] = params  # the same dict reaches ``after``
        service = model.service_model.service_name
        self.calls[f"{service}.{model.name}"] += 1
        if service == "sqs":
            self.units["sqs"] += 1
        elif service == "s3" and model.name != "DeleteObject":  # deletes are free
            put = model.name in ("PutObject", "CopyObject", "ListObjectsV2")
            self.units["s3_put" if put else "s3_get"] += 1
        elif service == "kinesis":
            records = params.get("Records")
            self.units["kinesis_unit"] += len(records) if records is not None else 1
        elif service == "secretsmanager":
            self.units["secrets_call"] += 1
        elif service == "dynamodb" and model.name in ("PutItem", "BatchWriteItem"):
            self.units["wru"] += self._put_units(params)
        if model.name == "PutObject":
            self.objects[params["Key"]] = _body_size(params.get("Body", b""))

    def after(self, model: Any, parsed: dict[str, Any], context: dict, **_: Any) -> None:
        if model.service_model.service_name != "dynamodb" or "metered_params" not in context:
            return
        name, params = model.name, context["metered_params"]
        if name in ("UpdateItem", "DeleteItem"):
            self.units["wru"] += self._updated_units(params["TableName"], params["Key"])
        elif name == "TransactWriteItems":
            for entry in params["TransactItems"]:
                kind, op = next(iter(entry.items()))
                units = (
                    self._put(op["TableName"], op["Item"])
                    if kind == "Put"
                    else self._updated_units(op["TableName"], op["Key"])
                )
                self.units["wru"] += 2 * units
        elif name == "GetItem":
            found = [parsed["Item"]] if parsed.get("Item") else []
            self.units["rru"] += _read_units(found, bool(params.get("ConsistentRead")))
        elif name == "Query":
            self.units["rru"] += _read_units(
                parsed.get("Items", []), bool(params.get("ConsistentRead"))
            )
        elif name == "BatchGetItem":
            for table, items in parsed.get("Responses", {}).items():
                consistent = bool(params["RequestItems"][table].get("ConsistentRead"))
                self.units["rru"] += sum(_read_units([i], consistent) for i in items)

    def _updated_units(self, table: str, key: dict[str, Any]) -> int:
        size = self._tables.size(table, key)
        self._remember(table, key, size)
        return max(1, math.ceil(size / WRITE_UNIT))

    def _put_units(self, params: dict[str, Any]) -> int:
        if "Item" in params:
            return self._put(params["TableName"], params["Item"])
        return sum(
            self._put(table, r["PutRequest"]["Item"]) if "PutRequest" in r else 1
            for table, requests in params["RequestItems"].items()
            for r in requests
        )

    def _put(self, table: str, item: dict[str, Any]) -> int:
        self._remember(table, item, item_size(item))
        return _write_units(item)


def _body_size(body: Any) -> int:
    if isinstance(body, str):
        return len(body.encode())
    if isinstance(body, bytes | bytearray | memoryview):
        return len(body)
    start = body.tell()  # a file object: its size from here, position kept
    size = body.seek(0, io.SEEK_END) - start
    body.seek(start)
    return size


@contextlib.contextmanager
def metering(meter: Meter, clients: list[Any]) -> Iterator[Meter]:
    """Each client copies the session's event hooks when it is built, so the hooks go on
    every client the wiring hands out (PynamoDB's models share the DynamoDB one)."""
    for client in clients:
        client.meta.events.register("before-parameter-build", meter.before)
        client.meta.events.register("after-call", meter.after)
    try:
        yield meter
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", meter.before)
            client.meta.events.unregister("after-call", meter.after)


@dataclass
class Invocations:
    """Lambda invocations by function and their measured wall time, in ms each."""

    durations: dict[str, list[float]] = field(default_factory=dict)
    api_requests: int = 0

    def timed(self, function: str, call: Callable[[], Any], api: bool = False) -> Any:
        started = time.perf_counter()
        try:
            return call()
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.durations.setdefault(function, []).append(elapsed)
            self.api_requests += api


class PrintedBytes(io.TextIOBase):
    """Stands for stdout: counts what the handlers print, keeps the EMF lines' metrics."""

    def __init__(self) -> None:
        self.bytes = 0
        self.lines = 0
        self.metrics: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
        self._partial = ""

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self.lines += 1
            if '"_aws"' in line:
                self._emf(line)
        return len(text)

    def _emf(self, line: str) -> None:
        record = json.loads(line)
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for dims in directive["Dimensions"]:
                values = tuple((d, str(record.get(d))) for d in dims)
                for metric in directive["Metrics"]:
                    self.metrics.add((directive["Namespace"], metric["Name"], values))


@contextlib.contextmanager
def printed(sink: PrintedBytes) -> Iterator[PrintedBytes]:
    """Handlers' stdout goes to ``sink``: Powertools' logger writes to the ``sys.stdout`` it
    finds when it is built, so the wiring must be reset inside this block."""
    saved = sys.stdout
    sys.stdout = sink  # type: ignore[assignment]
    try:
        yield sink
    finally:
        sys.stdout = saved
