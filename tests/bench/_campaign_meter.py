"""What the campaigns bench counts, on top of the cost bench's ``Meter`` (same botocore hooks
on the shared clients, same billing units):

- every request by phase (contacts import, enrolment, scheduler), by service and operation,
  Scans included (so a Scan anywhere shows up in the count the bench prints);
- every item a DynamoDB write touches, by table and partition key, in 10-minute windows of
  the bench's injected clock (``now``): PutItem, UpdateItem, DeleteItem, each put or delete
  of a BatchWriteItem and each Put, Update or Delete of a TransactWriteItems (a
  ConditionCheck writes nothing); and the global secondary index entries those writes
  create or change (an index's partition key, read from the item as it stands after the
  write: a sparse index without the key attribute gets no entry);
- the largest share of one window's item writes that lands on one partition key, reported
  by the key's shape (tenant id and typed ids masked), not its value.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.bench._aws_meter import Meter, MotoTables

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime

WINDOW_SECONDS = 600
HASH = "HASH"
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
_TYPED_ID = re.compile(r"\b([a-z]{2,4})_[0-9A-Za-z_\-]{6,}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T[0-9:.]+Z?)?")


class IndexedTables(MotoTables):
    """moto's tables read without a request: key attributes of tables and their global
    secondary indexes, and the template's logical id of each physical table name."""

    def __init__(self, logical: dict[str, str]) -> None:
        super().__init__()
        self.logical = logical  # physical name -> logical id
        self._hash: dict[str, str] = {}
        self._indexes: dict[str, list[tuple[str, str]]] = {}

    def hash_key(self, table: str) -> str:
        if table not in self._hash:
            self._hash[table] = self._backend.get_table(table).hash_key_attr
        return self._hash[table]

    def index_keys(self, table: str) -> list[tuple[str, str]]:
        """(index name, its partition key attribute) of each global secondary index."""
        if table not in self._indexes:
            found = self._backend.get_table(table)
            self._indexes[table] = [
                (index.name, next(k["AttributeName"] for k in index.schema if k["KeyType"] == HASH))
                for index in found.global_indexes
            ]
        return self._indexes[table]

    def item(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        found = self._backend.get_item(table, key)
        return found.to_json()["Attributes"] if found else None


def _value(attribute: dict[str, Any] | None) -> str | None:
    return None if attribute is None else str(next(iter(attribute.values())))


def written(name: str, params: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(table, kind, item or key) of every item a write request touches."""
    if name == "PutItem":
        yield params["TableName"], "Put", params["Item"]
    elif name in ("UpdateItem", "DeleteItem"):
        yield params["TableName"], name.removesuffix("Item"), params["Key"]
    elif name == "BatchWriteItem":
        for table, requests in params["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    yield table, "Put", request["PutRequest"]["Item"]
                else:
                    yield table, "Delete", request["DeleteRequest"]["Key"]
    elif name == "TransactWriteItems":
        for entry in params["TransactItems"]:
            kind, op = next(iter(entry.items()))
            if kind != "ConditionCheck":
                yield op["TableName"], kind, op.get("Item") or op["Key"]


class CampaignMeter(Meter):
    """Requests by phase and item writes by (window, table or index, partition key)."""

    def __init__(self, tables: IndexedTables, now: Callable[[], datetime]) -> None:
        super().__init__(tables)
        self.tables, self.now = tables, now
        self.phase = "setup"
        self.requests: dict[str, Counter[str]] = {}
        self.writes: Counter[tuple[str, int, str, str]] = Counter()  # phase, window, where, pk
        self.index_writes: Counter[tuple[str, int, str, str]] = Counter()
        self.queued: Counter[str] = Counter()  # SQS messages sent, by phase
        self.by_table: dict[str, Counter[str]] = {}  # phase -> "Operation Table" -> requests

    def _remember(self, table: str, item: dict[str, Any], size: int) -> None:
        """Stored bytes are not reported here: keeping every key would cost memory at 100k."""

    def before(self, model: Any, params: dict[str, Any], context: dict, **kw: Any) -> None:
        super().before(model=model, params=params, context=context, **kw)
        operation = f"{model.service_model.service_name}.{model.name}"
        self.requests.setdefault(self.phase, Counter())[operation] += 1
        if operation.startswith("dynamodb."):
            where = f"{model.name} {self._tables_of(params)}"
            self.by_table.setdefault(self.phase, Counter())[where] += 1
        if operation in ("sqs.SendMessage", "sqs.SendMessageBatch"):
            self.queued[self.phase] += len(params.get("Entries", [None]))
        if operation.startswith("dynamodb.") and model.name in WRITES:
            window = int(self.now().timestamp()) // WINDOW_SECONDS
            for table, _, item in written(model.name, params):
                pk = _value(item.get(self.tables.hash_key(table))) or "?"
                self.writes[(self.phase, window, self.tables.logical.get(table, table), pk)] += 1
            context["campaign_window"] = window

    def _tables_of(self, params: dict[str, Any]) -> str:
        names = (
            [params["TableName"]]
            if "TableName" in params
            else list(params.get("RequestItems", {}))
            or [next(iter(e.values()))["TableName"] for e in params.get("TransactItems", [])]
        )
        return "+".join(sorted({self.tables.logical.get(n, n) for n in names}))

    def after(self, model: Any, parsed: dict[str, Any], context: dict, **kw: Any) -> None:
        super().after(model=model, parsed=parsed, context=context, **kw)
        if "campaign_window" not in context or "Error" in parsed:
            return
        params, window = context["metered_params"], context["campaign_window"]
        for table, kind, item in written(model.name, params):
            if kind == "Delete" or not self.tables.index_keys(table):
                continue
            stored = item if kind == "Put" else self.tables.item(table, item)
            for index, attribute in self.tables.index_keys(table):
                pk = _value((stored or {}).get(attribute))
                if pk is not None:
                    where = f"{self.tables.logical.get(table, table)}/{index}"
                    self.index_writes[(self.phase, window, where, pk)] += 1

    def rename_phase(self, old: str, new: str) -> None:
        """What was counted under ``old`` counts under ``new`` (a scheduler run is known to
        be idle or not only once it has run)."""
        self.requests.setdefault(new, Counter()).update(self.requests.pop(old, Counter()))
        self.queued[new] += self.queued.pop(old, 0)
        self.by_table.setdefault(new, Counter()).update(self.by_table.pop(old, Counter()))
        for writes in (self.writes, self.index_writes):
            for key in [k for k in writes if k[0] == old]:
                writes[(new, *key[1:])] += writes.pop(key)

    def total(self, phases: tuple[str, ...]) -> Counter[str]:
        summed: Counter[str] = Counter()
        for phase in phases:
            summed.update(self.requests.get(phase, Counter()))
        return summed


@dataclass(frozen=True)
class Hottest:
    """The partition key with the largest share of one 10-minute window's item writes."""

    share: float
    writes: int  # the key's item writes in that window
    window_writes: int  # every item write of the window (in the phases looked at)
    where: str  # table, or table/index
    shape: str
    window_start: datetime


def key_shape(value: str, tenant_id: str) -> str:
    """A partition key with the tenant id, typed ids and timestamps masked."""
    masked = value.replace(tenant_id, "<tenant>")
    return _TIME.sub("<time>", _TYPED_ID.sub(r"\1_…", masked))


def hottest(
    writes: Counter[tuple[str, int, str, str]],
    phases: tuple[str, ...],
    tenant_id: str,
    min_writes: int,
) -> Hottest | None:
    """Over the windows with at least ``min_writes`` item writes (a window of three writes
    has a share of a third whatever the design), in ``phases``."""
    from datetime import UTC, datetime

    per_window: Counter[int] = Counter()
    per_key: Counter[tuple[int, str, str]] = Counter()
    for (phase, window, where, pk), count in writes.items():
        if phase in phases:
            per_window[window] += count
            per_key[(window, where, pk)] += count
    best: Hottest | None = None
    for (window, where, pk), count in per_key.items():
        total = per_window[window]
        if total < min_writes or (best is not None and count / total <= best.share):
            continue
        start = datetime.fromtimestamp(window * WINDOW_SECONDS, UTC)
        best = Hottest(count / total, count, total, where, key_shape(pk, tenant_id), start)
    return best


def item_writes(writes: Counter[tuple[str, int, str, str]], phases: tuple[str, ...]) -> int:
    return sum(count for (phase, *_), count in writes.items() if phase in phases)
