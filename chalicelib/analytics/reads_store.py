"""Reading the analytics counters (``AnalyticsReads``) from DynamoDB: one Query per scope and
range of days (the day keys of a scope sort by day), one Query per campaign's steps, one
BatchGetItem for the heatmap months and one Query for the deliverability breakdown. Eventually
consistent reads: a dashboard may lag the counters by a moment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.analytics.rules import scopes
from chalicelib.analytics.rules.metrics import attribute_metric, completed

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from chalicelib.aws.dynamodb import Table

TRIES = 8


def _numbers(item: dict[str, Any]) -> dict[str, int]:
    found = {attribute_metric(k): int(v["N"]) for k, v in item.items() if "N" in v}
    return {k: v for k, v in found.items() if k is not None}


class DynamoAnalyticsReads:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def _query(self, tenant_id: str, condition: str, values: dict[str, str]) -> Iterator[dict]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": f"tenant_id = :t AND {condition}",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}}
            | {k: {"S": v} for k, v in values.items()},
        }
        while True:
            reply = self._client.query(**request)
            yield from reply.get("Items", [])
            if not reply.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = reply["LastEvaluatedKey"]

    def days(self, tenant_id: str, scope: str, first: str, last: str) -> dict[str, dict[str, int]]:
        between = {":a": scopes.scope_day(scope, first), ":b": scopes.scope_day(scope, last)}
        found: dict[str, dict[str, int]] = {}
        for item in self._query(tenant_id, "sk BETWEEN :a AND :b", between):
            counts = _numbers(item)
            if counts:
                found[scopes.day_of(item["sk"]["S"])] = completed(counts)
        return found

    def steps(
        self, tenant_id: str, campaign_id: str
    ) -> dict[tuple[int, str | None], dict[str, int]]:
        prefix = {":p": scopes.step_prefix(campaign_id)}
        return {
            scopes.step_of(item["sk"]["S"]): completed(_numbers(item))
            for item in self._query(tenant_id, "begins_with(sk, :p)", prefix)
        }

    def heat(self, tenant_id: str, months: Sequence[str]) -> dict[str, dict[tuple[int, int], int]]:
        keys = [{"tenant_id": {"S": tenant_id}, "sk": {"S": scopes.heat_key(m)}} for m in months]
        found: dict[str, dict[tuple[int, int], int]] = {"opens": {}, "clicks": {}}
        for item in self._get_many(keys):
            for name, value in item.items():
                cell = scopes.heat_cell(name)
                if cell is not None and "N" in value:
                    kind, weekday, hour = cell
                    found[kind][(weekday, hour)] = found[kind].get((weekday, hour), 0) + int(
                        value["N"]
                    )
        return found

    def _get_many(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {self._table: {"Keys": keys[start : start + 100]}}
            for _ in range(TRIES):
                reply = self._client.batch_get_item(RequestItems=pending)
                items += reply.get("Responses", {}).get(self._table, [])
                pending = reply.get("UnprocessedKeys") or {}
                if not pending:
                    break
        return items

    def breakdown(
        self, tenant_id: str, first: str, last: str
    ) -> dict[str, dict[str, dict[str, int]]]:
        between = {":a": scopes.breakdown_key(first), ":b": scopes.breakdown_key(last)}
        sums: dict[str, dict[str, dict[str, int]]] = {"mailbox": {}, "domain": {}, "provider": {}}
        for item in self._query(tenant_id, "sk BETWEEN :a AND :b", between):
            for name, value in item.items():
                cell = scopes.breakdown_cell(name) if "N" in value else None
                if cell is not None:
                    kind, ident, metric = cell
                    bucket = sums[kind].setdefault(ident, {})
                    bucket[metric] = bucket.get(metric, 0) + int(value["N"])
        return {k: {i: completed(c) for i, c in v.items()} for k, v in sums.items()}
