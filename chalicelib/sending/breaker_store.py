"""The circuit breakers of the tenants' SMTP servers in DynamoDB (the counters table).

Key formats owned here:
- the breaker: ``tenant_id`` + ``breaker#<host>:<port>``; every write is conditional on the
  ``version`` read (``attribute_not_exists`` for the first), so of two workers deciding on
  the same state only one write lands (one open, one probe);
- the operator index: ``tenant_id`` ``_ops`` + ``breaker#<tenant>#<host>:<port>``, a copy of
  every breaker that is not closed, put and deleted in the same transaction as the breaker,
  so listing them for ``GET /v1/health`` is one Query, never a Scan. ``_ops`` is not a
  tenant id (like the suppressions' ``_global``).
A write with events (``server.circuit_opened`` / ``_closed``) puts them as outbox-table items
in that transaction (``chalicelib.aws.outbox``): the counters table has no stream, and an
event exists if and only if its change was stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws import outbox
from chalicelib.aws.dynamodb import Table, TableRef
from chalicelib.sending.rules.breaker import Breaker

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chalicelib.core.events import Event

BREAKERS = TableRef("CountersTable", __name__)
OPS = "_ops"
_NUMBERS = ("failures", "last_failure_at", "opens", "until", "probe_until", "version")
_REFUSED = ("ConditionalCheckFailedException", "TransactionCanceledException")


def _key(tenant_id: str, server: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": f"breaker#{server}"}}


def _index_key(b: Breaker) -> dict[str, Any]:
    return {"tenant_id": {"S": OPS}, "sk": {"S": f"breaker#{b.tenant_id}#{b.server}"}}


def _numbers(b: Breaker) -> dict[str, Any]:
    return {name: {"N": repr(getattr(b, name))} for name in _NUMBERS}


def _breaker(tenant_id: str, server: str, item: dict[str, Any]) -> Breaker:
    values = {name: float(item[name]["N"]) for name in _NUMBERS if name in item}
    for whole in ("failures", "opens", "version"):
        values[whole] = int(values.get(whole, 0))
    return Breaker(tenant_id, server, **values)  # type: ignore[arg-type]


class DynamoBreakers:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def get(self, tenant_id: str, server: str) -> Breaker | None:
        reply = self._client.get_item(
            TableName=self._table, Key=_key(tenant_id, server), ConsistentRead=True
        )
        item = reply.get("Item")
        return _breaker(tenant_id, server, item) if item else None

    def put(self, before: Breaker, after: Breaker, events: Iterable[Event] = ()) -> bool:
        stored = {"version": {"N": str(before.version + 1)}}
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {**_key(after.tenant_id, after.server), **_numbers(after), **stored},
            **_expected(before),
        }
        writes: list[Any] = [{"Put": put}, *self._index(before, after)]
        writes += [outbox.transact_put(event) for event in events]
        try:
            if len(writes) == 1:
                self._client.put_item(**put)
            else:
                self._client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _REFUSED:
                return False
            raise
        return True

    def _index(self, before: Breaker, after: Breaker) -> list[dict[str, Any]]:
        if after.opens:
            owner = {"owner": {"S": after.tenant_id}, "server": {"S": after.server}}
            item = {**_index_key(after), **_numbers(after), **owner}
            return [{"Put": {"TableName": self._table, "Item": item}}]
        if before.opens:
            return [{"Delete": {"TableName": self._table, "Key": _index_key(after)}}]
        return []

    def not_closed(self, limit: int) -> list[Breaker]:
        reply = self._client.query(
            TableName=self._table,
            KeyConditionExpression="tenant_id = :ops AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":ops": {"S": OPS}, ":prefix": {"S": "breaker#"}},
            Limit=limit,
        )
        return [
            _breaker(item["owner"]["S"], item["server"]["S"], item)
            for item in reply.get("Items", [])
        ]


def _expected(before: Breaker) -> dict[str, Any]:
    if before.version == 0:
        return {"ConditionExpression": "attribute_not_exists(sk)"}
    return {
        "ConditionExpression": "version = :v",
        "ExpressionAttributeValues": {":v": {"N": str(before.version)}},
    }
