"""DynamoDB for every feature's stores: which tables the code uses, bound to the one shared
client, and the paging and batch loops they share.

Tables: a store declares each table it uses, by its name in the template (``core.resources``
explains how that name reaches the code), either as a PynamoDB model
(``@table_model("TemplatesTable")``) or as a ``TableRef`` for the low-level client.
``bind_models`` gives every declared model its table name and the shared client (one client,
not one per model: each would load the SDK's data again on a cold start). A test checks
that every table in the template is declared by a store and bound.

Paging: one page of a tenant's items in sort-key order with an exact ``next_token`` (asks for
``limit + 1`` items, so a token is issued only when another item really exists); the
low-level twins (``query_tenant_page``, ``batch_get``, ``write_all``) serve the stores that
talk to the client directly for conditional writes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.aws import clients
from chalicelib.core.pagination import Page, decode_token, encode_token
from chalicelib.core.resources import is_table
from chalicelib.core.settings import settings
from chalicelib.core.wiring import on_reset

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

M = TypeVar("M", bound=type)
T = TypeVar("T")
_models: dict[type, str] = {}
_refs: list[TableRef] = []
_tables: dict[str, list[str]] = {}
_bound: set[type] = set()
_lock = threading.Lock()


def _declare(table: str, user: str) -> None:
    if not is_table(table):
        raise ValueError(f"{user}: {table!r} is not a table's name (its logical id, …Table)")
    _tables.setdefault(table, []).append(user)


def table_model(table: str) -> Callable[[M], M]:
    """Declare a PynamoDB model of ``table`` (``"TemplatesTable"``); bound on first use."""

    def register(model: M) -> M:
        _declare(table, f"{model.__module__}.{model.__name__}")
        _models[model] = table
        return model

    return register


@dataclass(frozen=True)
class Table:
    """A table's name and the shared low-level client."""

    name: str
    client: DynamoDBClient


class TableRef:
    """A table a store reaches with the low-level client (conditional writes, transactions)."""

    def __init__(self, table: str, user: str) -> None:
        _declare(table, user)
        self.table = table
        _refs.append(self)

    def bind(self) -> Table:
        return Table(settings().table(self.table), clients.dynamodb())


def bind_models() -> None:
    """Give every declared model not yet bound its table name, region, endpoint and the
    shared client."""
    with _lock:
        for model, table in list(_models.items()):
            if model in _bound:
                continue
            s = settings()
            meta: Any = model.Meta  # type: ignore[attr-defined]
            meta.table_name = s.table(table)
            meta.region, meta.host = s.region, s.endpoint_url
            meta.connect_timeout_seconds, meta.read_timeout_seconds = 3, 5
            meta.max_retry_attempts = 2
            model._connection = None  # type: ignore[attr-defined]
            model._get_connection().connection._client = clients.dynamodb()  # type: ignore[attr-defined]
            _bound.add(model)


def _unbind() -> None:
    with _lock:
        _bound.clear()


on_reset(_unbind)


def declared_tables() -> dict[str, list[str]]:
    """Table name → the models and stores that declared it."""
    return {k: list(v) for k, v in _tables.items()}


def declared_models() -> dict[type, str]:
    return dict(_models)


def declared_refs() -> list[TableRef]:
    return list(_refs)


def query_page(
    model: Any,
    tenant_id: str,
    sort_attr: str,
    limit: int,
    token: str | None,
    convert: Callable[[Any], T],
    newest_first: bool,
    prefix: str | None = None,
) -> Page[T]:
    position = decode_token(token, {sort_attr})
    start = (
        {"tenant_id": {"S": tenant_id}, sort_attr: {"S": position[sort_attr]}} if position else None
    )
    condition = getattr(model, sort_attr).startswith(prefix) if prefix else None
    results = model.query(
        tenant_id,
        condition,
        scan_index_forward=not newest_first,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start,
        consistent_read=True,
    )
    items = list(results)
    more = len(items) > limit
    items = items[:limit]
    next_token = encode_token({sort_attr: getattr(items[-1], sort_attr)}) if more else None
    return Page([convert(i) for i in items], next_token)


def query_tenant_page(
    client: Any, request: dict[str, Any], tenant_id: str, token: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One low-level Query page of a tenant-led table keyed ``tenant_id`` + ``sk``: the raw
    items and the ``next_token`` for the page after (``request`` holds the key condition on
    ``:t``, filters and ``Limit``)."""
    start = decode_token(token, {"sk"})
    if start:
        request["ExclusiveStartKey"] = {"tenant_id": {"S": tenant_id}, "sk": {"S": start["sk"]}}
    reply = client.query(**request)
    last = reply.get("LastEvaluatedKey")
    return reply.get("Items", []), encode_token({"sk": last["sk"]["S"]}) if last else None


def batch_get(
    client: Any, table: str, keys: list[dict[str, Any]], tries: int = 8
) -> list[dict[str, Any]]:
    """Consistent reads of ``keys`` in BatchGetItem calls of 100, unprocessed keys retried."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 100):
        pending = {table: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
        for _ in range(tries):
            reply = client.batch_get_item(RequestItems=pending)
            found.extend(reply.get("Responses", {}).get(table, []))
            pending = reply.get("UnprocessedKeys") or {}
            if not pending:
                break
    return found


def write_all(client: Any, table: str, requests: list[dict[str, Any]], tries: int = 8) -> None:
    """BatchWriteItem in calls of 25, unprocessed items retried; raises if some never go."""
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {table: requests[start : start + 25]}
        for _ in range(tries):
            reply = client.batch_write_item(RequestItems=pending)
            pending = reply.get("UnprocessedItems") or {}
            if not pending:
                break
        else:
            raise RuntimeError(f"DynamoDB kept items unprocessed after {tries} tries")
