"""Real-time per-tenant counters in DynamoDB, moved exactly once per event.

A marker item for the event id (in the idempotency table, ``counted#<event id>``) and the
counter updates (counters table, ``tenant_id`` + the period of ``rules``) are written in one
DynamoDB transaction, so a redelivered event can never count twice. What an event changes
elsewhere in the same transaction (opens and clicks on their message) comes from the
``EngagementWrites`` port, whose owner (the sending feature's message store) writes its own
items.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.analytics.rules import counted_name, counter_attribute, counter_names
from chalicelib.aws.dynamodb import Table, TableRef

if TYPE_CHECKING:
    from chalicelib.analytics.ports import EngagementWrites
    from chalicelib.core.events import Event

MARKER_TTL_SECONDS = 7 * 24 * 3600
COUNTERS = TableRef("CountersTable", __name__)
MARKERS = TableRef("IdempotencyTable", __name__)


class _NoEngagement:
    def targets(self, event: Event) -> set[tuple[str, str]]:
        return set()

    def transact_items(self, events: list[Event]) -> list[dict[str, Any]]:
        return []


class DynamoCounterStore:
    def __init__(
        self, counters: Table, markers: Table, engagement: EngagementWrites | None = None
    ) -> None:
        self._client = counters.client
        self._counters = counters.name
        self._idempotency = markers.name
        self._engagement = engagement or _NoEngagement()

    def _marker(self, event: Event) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._idempotency,
                "Item": {
                    "tenant_id": {"S": event["tenant_id"]},
                    "sk": {"S": f"counted#{event['event_id']}"},
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
        items: list[Any] = [self._marker(event)]
        items += [self._increment(event, p) for p in counter_names(event)]
        items += self._engagement.transact_items([event])
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
        for chunk in _chunks(events, self._engagement):
            items: list[Any] = [self._marker(e) for e in chunk] + self._aggregated(chunk)
            items += self._engagement.transact_items(chunk)
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

    def read(self, tenant_id: str, period: str) -> dict[str, int]:
        reply = self._client.get_item(
            TableName=self._counters,
            ConsistentRead=True,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": period}},
        )
        item = reply.get("Item", {})
        found = {counted_name(k): int(v["N"]) for k, v in item.items() if "N" in v}
        return {k: v for k, v in found.items() if k is not None}


def _chunks(
    events: list[Event], engagement: EngagementWrites, limit: int = 100
) -> list[list[Event]]:
    """Events in chunks whose markers plus distinct counter and engagement items stay within
    one transaction's 100 items."""
    chunks: list[list[Event]] = []
    current: list[Event] = []
    items: set[tuple[str, str]] = set()
    for event in events:
        mine = {("counter", event["tenant_id"] + "#" + p) for p in counter_names(event)}
        mine |= engagement.targets(event)
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
