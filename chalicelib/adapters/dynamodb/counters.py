"""Real-time per-tenant counters, moved exactly once per event.

A marker item for the event id (in the idempotency table) and the counter updates are
written in one DynamoDB transaction, so a redelivered event can never count twice.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb.keys import counter_attribute, idempotency_sort_key
from chalicelib.domain.events import counter_names

MARKER_TTL_SECONDS = 7 * 24 * 3600
ENGAGEMENT = {"message.opened": "opens", "message.clicked": "clicks"}


class DynamoCounterStore:
    def __init__(
        self, client: Any, counters_table: str, idempotency_table: str, messages_table: str = ""
    ) -> None:
        self._client = client
        self._counters = counters_table
        self._idempotency = idempotency_table
        self._messages = messages_table

    def _marker(self, event: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._idempotency,
                "Item": {
                    "tenant_id": {"S": event["tenant_id"]},
                    "sk": {"S": idempotency_sort_key("counted", event["event_id"])},
                    "status": {"S": "done"},
                    "updated_at": {"S": event["occurred_at"]},
                    "expires_at": {"N": str(int(time.time()) + MARKER_TTL_SECONDS)},
                },
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        }

    def _increment(self, event: dict[str, Any], period: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._counters,
                "Key": {"tenant_id": {"S": event["tenant_id"]}, "sk": {"S": period}},
                "UpdateExpression": "ADD #n :one",
                "ExpressionAttributeNames": {"#n": counter_attribute(event["type"])},
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }

    def apply_once(self, event: dict[str, Any]) -> bool:
        items = [self._marker(event)] + [self._increment(event, p) for p in counter_names(event)]
        items += self._engagement([event])
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if _is_duplicate(exc):
                return False
            raise
        return True

    def apply_many(self, events: list[dict[str, Any]]) -> bool:
        """Count a whole batch in as few transactions as fit (markers plus one aggregated
        update per counter item): about a third of the writes of ``apply_once`` per event.
        False when a chunk was refused (a redelivered event among them): the caller then
        counts event by event, and the markers skip whatever was already counted."""
        for chunk in _chunks(events):
            items = [self._marker(e) for e in chunk] + self._aggregated(chunk)
            items += self._engagement(chunk)
            try:
                self._client.transact_write_items(TransactItems=items)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                    return False
                raise
        return True

    def _aggregated(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        totals: dict[tuple[str, str], dict[str, int]] = {}
        for event in events:
            for period in counter_names(event):
                bucket = totals.setdefault((event["tenant_id"], period), {})
                name = counter_attribute(event["type"])
                bucket[name] = bucket.get(name, 0) + 1
        updates = []
        for (tenant_id, period), counts in totals.items():
            names = {f"#n{i}": name for i, name in enumerate(counts)}
            values = {f":v{i}": {"N": str(n)} for i, n in enumerate(counts.values())}
            updates.append(
                {
                    "Update": {
                        "TableName": self._counters,
                        "Key": {"tenant_id": {"S": tenant_id}, "sk": {"S": period}},
                        "UpdateExpression": "ADD "
                        + ", ".join(f"#n{i} :v{i}" for i in range(len(counts))),
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        return updates

    def _engagement(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Opens and clicks also land on their message (human and machine apart, and the
        time of the last one), so ``GET /v1/messages/{id}`` shows them; one update per
        message, in the same transaction as the event's marker."""
        if not self._messages:
            return []
        per_message: dict[tuple[str, str], dict[str, Any]] = {}
        for event in events:
            kind = ENGAGEMENT.get(event["type"])
            if kind is None or not event.get("message_id"):
                continue
            totals = per_message.setdefault((event["tenant_id"], event["message_id"]), {})
            name = f"eng_{kind}_{'human' if event.get('actor') == 'human' else 'machine'}"
            totals[name] = totals.get(name, 0) + 1
            last = f"eng_last_{kind}_at"
            totals[last] = max(str(totals.get(last, "")), str(event["occurred_at"]))
        return [self._engagement_update(t, m, totals) for (t, m), totals in per_message.items()]

    def _engagement_update(self, tenant_id: str, message_id: str, totals: dict) -> dict:
        adds = {k: v for k, v in totals.items() if isinstance(v, int)}
        sets = {k: v for k, v in totals.items() if isinstance(v, str)}
        names = {f"#a{i}": k for i, k in enumerate(adds)} | {
            f"#s{i}": k for i, k in enumerate(sets)
        }
        values = {f":a{i}": {"N": str(v)} for i, v in enumerate(adds.values())}
        values |= {f":s{i}": {"S": v} for i, v in enumerate(sets.values())}
        expression = "ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(adds)))
        if sets:
            expression += " SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets)))
        return {
            "Update": {
                "TableName": self._messages,
                "Key": {"tenant_id": {"S": tenant_id}, "sk": {"S": message_id}},
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def read(self, tenant_id: str, period: str) -> dict[str, int]:
        reply = self._client.get_item(
            TableName=self._counters,
            ConsistentRead=True,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": period}},
        )
        item = reply.get("Item", {})
        return {k[2:]: int(v["N"]) for k, v in item.items() if k.startswith("n_")}


def _chunks(events: list[dict[str, Any]], limit: int = 100) -> list[list[dict[str, Any]]]:
    """Events in chunks whose markers plus distinct counter items stay within one
    transaction's 100 items."""
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    items: set[tuple[str, str]] = set()
    for event in events:
        mine = {(event["tenant_id"], p) for p in counter_names(event)}
        if current and len(current) + 1 + len(items | mine) > limit:
            chunks.append(current)
            current, items = [], set()
        current.append(event)
        items |= mine
    if current:
        chunks.append(current)
    return chunks


def _is_duplicate(exc: ClientError) -> bool:
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    if reasons:
        return reasons[0].get("Code") == "ConditionalCheckFailed"
    return "ConditionalCheckFailed" in str(exc)
