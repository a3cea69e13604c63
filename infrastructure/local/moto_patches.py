"""Keeps the emulator's per-request cost flat as tables grow (ARCHITECTURE.md, "Known facts
about the emulator"): moto's TransactWriteItems deep-copies every table it touches, items and
stream records included, before each call so it can roll back. Here the same checks run in two
phases instead, as DynamoDB's all-or-nothing semantics allow (no two operations of one
transaction may touch the same item, so no condition depends on another operation's write):
every condition is checked first, and a transaction with a failed check is cancelled before
anything is written (the same ``TransactionCanceledException`` with the same reasons); only
then are the writes applied, with a copy of just the touched items kept to undo them should
one be refused by validation.

The emulator's server also finds the service of every request by matching its host against
every service's URL patterns (and listing moto's modules) under one lock: several
milliseconds a call, serialised, paid by every API call and every pump poll. The answer for a
host never changes, so it is remembered per host (the API rate limit's local check needs the
platform to serve a burst faster than a starter tenant's 20 requests a second).

Two more ways the emulator is made to behave as AWS does: every item operation is atomic
(moto's handlers read, check, write and answer in steps that concurrent requests could
interleave: two ``ADD`` updates could both return the same total, which the plan send rate's
counters rely on never happening; a conditional put could pass its check beside another; and
a read walking an item's attributes while an update adds one failed with "dictionary changed
size during iteration"), so they run one at a time (one lock; the emulator is bound by one
interpreter lock anyway), as do a Kinesis stream's reads and writes (a GetRecords walking a
shard while a PutRecords appended failed with "OrderedDict mutated during iteration"); and
standard SQS queues serve messages fairly by ``MessageGroupId`` (``moto_sqs``). DynamoDB's
item answers skip moto's generic serializer (``moto_dynamo_json``), and a JSON template is
parsed as JSON, not by PyYAML's pure-Python loader, and a handler's method names are
listed once per class, not once per request. Applied to the local
platform's emulator and the functional tier; nothing deployed imports it.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import functools
import threading
from typing import Any

_applied = {"done": False}
MOTO_ORIGINALS: dict[str, Any] = {}  # what a patch replaced, for the tests that compare


def apply() -> None:
    if _applied["done"]:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler
    from moto.kinesis.responses import KinesisResponse

    from infrastructure.local import moto_dynamo_json, moto_sqs

    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    for name in ITEM_HANDLERS:
        setattr(DynamoHandler, name, _one_at_a_time(getattr(DynamoHandler, name)))
    from moto.kinesis.models import Shard

    MOTO_ORIGINALS["Shard.get_records"] = Shard.get_records
    Shard.get_records = _shard_records  # type: ignore[method-assign]
    for name in ("get_records", "put_record", "put_records"):
        setattr(
            KinesisResponse, name, _one_at_a_time(getattr(KinesisResponse, name), _RECORDS_LOCK)
        )
    moto_sqs.apply()
    moto_dynamo_json.apply()
    _remember_backend_per_host()
    _remember_action_names()
    _parse_json_templates_first()
    _applied["done"] = True


def _remember_action_names() -> None:
    """moto lists a handler class's methods (``inspect.getmembers``) on every request to
    find the action's method; a class's methods never change, so once per class is enough
    (it was a twentieth of a functional test's time)."""
    from moto.core import responses

    responses.method_names_from_class = functools.cache(responses.method_names_from_class)


def _parse_json_templates_first() -> None:
    """moto parses every template with PyYAML's pure-Python loader, JSON ones included
    (JSON is YAML): about 4 s of a platform start for this template. The emulator sends the
    template as JSON (``Emulator._deploy_stack``), which ``json`` parses in milliseconds."""
    import json

    from moto.cloudformation.models import Stack

    original = Stack.parse_template

    def parse_template(template: str) -> dict[str, Any]:
        if template.lstrip().startswith("{"):
            with contextlib.suppress(ValueError):
                return dict(json.loads(template))
        return dict(original(template))

    Stack.parse_template = staticmethod(parse_template)  # type: ignore[method-assign]


ITEM_HANDLERS = (
    "get_item",
    "put_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "batch_get_item",
    "batch_write_item",
    "transact_get_items",
    "transact_write_items",
)
_ITEMS_LOCK = threading.RLock()
_RECORDS_LOCK = threading.RLock()


def _shard_records(
    self: Any, last_sequence_id: str, limit: int | None
) -> tuple[list[Any], int, int]:
    """moto's ``Shard.get_records`` walked every record of the shard in Python on each call
    (a stream's consumers poll several times a second, so a long run slowed down as the
    stream grew); the same answer found by bisecting the ascending sequence numbers."""
    last = int(last_sequence_id)
    keys = list(self.records)  # ascending: moto appends increasing sequence numbers
    start = bisect.bisect_right(keys, last)
    chosen = keys[start : start + limit] if limit else keys[start:]
    results = [self.records[key] for key in chosen]
    if not results:
        return [], last, 0
    behind = self.records[keys[-1]].created_at - results[-1].created_at
    return results, chosen[-1], int(behind * 1000)


def _one_at_a_time(handler: Any, lock: Any = _ITEMS_LOCK) -> Any:
    @functools.wraps(handler)
    def serialised(self: Any) -> Any:
        with lock:
            return handler(self)

    return serialised


def _remember_backend_per_host() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    find = DomainDispatcherApplication.get_backend_for_host
    if hasattr(find, "__wrapped__"):
        return

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        known: dict[str | None, Any] = self.__dict__.setdefault("_pm_backend_by_host", {})
        if host not in known:  # the caller holds the dispatcher's lock
            known[host] = find(self, host)
        return known[host]

    get_backend_for_host.__wrapped__ = find  # type: ignore[attr-defined]
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _check(backend: Any, op_type: str, op: dict[str, Any], key: dict[str, Any]) -> None:
    from moto.dynamodb.comparisons import get_filter_expression as condition_of
    from moto.dynamodb.exceptions import ConditionalCheckFailed

    if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
        raise ValueError("Unsupported transaction operation")
    expression = op.get("ConditionExpression")
    if expression is None:
        return
    current = backend.get_item(op["TableName"], key)
    condition = condition_of(
        expression, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    )
    if not condition.expr(current):
        old = None
        if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
            old = current.to_json()["Attributes"]
        raise ConditionalCheckFailed(item=old)


def _write(backend: Any, op_type: str, op: dict[str, Any], key: dict[str, Any]) -> None:
    table = op["TableName"]
    names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    if op_type == "Put":
        backend.put_item(
            table, op["Item"], expression_attribute_names=names, expression_attribute_values=values
        )
    elif op_type == "Delete":
        backend.delete_item(
            table, key, expression_attribute_names=names, expression_attribute_values=values
        )
    elif op_type == "Update":
        backend.update_item(
            table,
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=names,
            expression_attribute_values=values,
        )


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    errors: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        try:
            key = _key_of(self, op_type, op)
            target = (str(op["TableName"]), str(dict(sorted(key.items()))))
            if target in seen:
                raise MultipleTransactionsException()
            seen.add(target)
            _check(self, op_type, op, key)
            planned.append((op_type, op, key))
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), getattr(e, "item", None)))
        except Exception as e:  # noqa: BLE001 - reported as moto reports it
            errors.append((type(e).__name__, str(e), None))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    before = [
        (op["TableName"], key, copy.deepcopy(self.get_item(op["TableName"], key)))
        for _, op, key in planned
    ]
    try:
        for op_type, op, key in planned:
            _write(self, op_type, op, key)
    except Exception:
        _undo(self, before)
        raise


def _undo(backend: Any, before: list[tuple[str, dict[str, Any], Any]]) -> None:
    for table, key, item in before:
        if item is None:
            if backend.get_item(table, key) is not None:
                backend.delete_item(table, key)
        else:
            backend.put_item(table, item.to_json()["Attributes"])
