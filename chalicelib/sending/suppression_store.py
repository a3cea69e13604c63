"""Suppressions in DynamoDB: partition key the tenant id (``_global`` for the platform-wide
list), sort key the lower-cased address, or for an erased person its hash
(``rules.suppressions.hashed``). Checking a batch of recipients is one BatchGetItem over both
lists and both keys of each address. An ``add`` stores the events of the suppression in the item's
``outbox`` (``chalicelib.aws.outbox``): they exist if and only if the entry was written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.aws import outbox
from chalicelib.aws.dynamodb import Table, TableRef, batch_get, query_tenant_page
from chalicelib.core.pagination import Page
from chalicelib.sending.rules.suppressions import (
    GLOBAL_SCOPE,
    Suppression,
    keys_of,
    normalise,
    scopes,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chalicelib.core.events import Event

SUPPRESSIONS = TableRef("SuppressionsTable", __name__)


def _suppression(item: dict[str, Any]) -> Suppression:
    scope = "global" if item["tenant_id"]["S"] == GLOBAL_SCOPE else "tenant"
    return Suppression(
        address=item["sk"]["S"],
        scope=scope,
        reason=item["reason"]["S"],
        source=item["source"]["S"],
        created_at=item["created_at"]["S"],
        actor=item["actor"]["S"],
    )


class DynamoSuppressionStore:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def add(self, tenant_id: str, entry: Suppression, events: Iterable[Event] = ()) -> bool:
        """Record ``entry`` with its ``events``; False when the address was already
        suppressed (kept as it was, so the first reason and time stay on record, and the
        events are not stored)."""
        owner = GLOBAL_SCOPE if entry.scope == "global" else tenant_id
        item = {
            "tenant_id": {"S": owner},
            "sk": {"S": normalise(entry.address)},
            "reason": {"S": entry.reason},
            "source": {"S": entry.source},
            "created_at": {"S": entry.created_at},
            "actor": {"S": entry.actor},
        }
        carried = list(events)
        if carried:
            item[outbox.ATTRIBUTE] = outbox.attribute_value(carried)
        try:
            self._client.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(sk)"
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def remove(self, tenant_id: str, address: str) -> bool:
        reply = self._client.delete_item(
            TableName=self._table,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": normalise(address)}},
            ReturnValues="ALL_OLD",
        )
        return bool(reply.get("Attributes"))

    def get(self, tenant_id: str, address: str) -> Suppression | None:
        reply = self._client.get_item(
            TableName=self._table,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": normalise(address)}},
            ConsistentRead=True,
        )
        return _suppression(reply["Item"]) if "Item" in reply else None

    def check(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """For (tenant id, address) pairs, the scope (``tenant``/``global``) of each that is
        suppressed; pairs not in the result are free to mail."""
        wanted = {(t, normalise(a)) for t, a in pairs}
        keys = {(o, k) for t, a in wanted for o in (t, GLOBAL_SCOPE) for k in keys_of(a)}
        ordered = [{"tenant_id": {"S": o}, "sk": {"S": k}} for o, k in sorted(keys)]
        hits = {
            (item["tenant_id"]["S"], item["sk"]["S"])
            for item in batch_get(self._client, self._table, ordered)
        }
        return scopes(wanted, hits)

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}},
            "Limit": limit,
            "ConsistentRead": True,
        }
        items, next_token = query_tenant_page(self._client, request, tenant_id, token)
        return Page([_suppression(i) for i in items], next_token)
