"""Real-time counters in DynamoDB, moved exactly once per event.

A marker item for the event id (in the idempotency table, ``counted#<event id>``) and the
counter updates (counters table, ``tenant_id`` + the keys of ``rules``: the per-tenant event
counters of ``periods`` and the analytics items of ``counting``) are written in one DynamoDB
transaction, so a redelivered event can never count twice. What an event changes elsewhere
in the same transaction (opens and clicks on their message) comes from the
``EngagementWrites`` port, whose owner (the sending feature's message store) writes its own
items, on the condition that the message still holds the opens and clicks the batch's unique
counts were decided from: a concurrent change cancels the transaction.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.analytics.ports import EngagementChanged
from chalicelib.analytics.rules import counted_name
from chalicelib.analytics.rules.counting import (
    Increments,
    engagement_after,
    engagement_before,
    event_increments,
    merge,
)
from chalicelib.aws.dynamodb import Table, TableRef

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.analytics.ports import Engagement, EngagementWrites
    from chalicelib.analytics.rules.counting import Enrichment
    from chalicelib.core.events import Event

MARKER_TTL_SECONDS = 7 * 24 * 3600
COUNTERS = TableRef("CountersTable", __name__)
MARKERS = TableRef("IdempotencyTable", __name__)


class _NoEngagement:
    def targets(self, event: Event) -> set[tuple[str, str]]:
        return set()

    def transact_items(
        self, events: list[Event], before: Mapping[tuple[str, str], Engagement] | None = None
    ) -> list[dict[str, Any]]:
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

    def apply_once(self, event: Event, enrichment: Enrichment | None = None) -> bool:
        enrichments = {str(event["event_id"]): enrichment} if enrichment else None
        before = engagement_before([event], enrichments) if enrichments else None
        items: list[Any] = [self._marker(event)]
        items += self._updates(event["tenant_id"], event_increments(event, enrichment))
        items += self._engagement.transact_items([event], before)
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = _cancelled(exc)
            if reasons is None:
                raise
            if reasons[:1] == ["ConditionalCheckFailed"]:
                return False
            if "ConditionalCheckFailed" in reasons:
                raise EngagementChanged(str(event.get("message_id"))) from exc
            raise
        return True

    def apply_many(
        self, events: list[Event], enrichments: Mapping[str, Enrichment] | None = None
    ) -> bool:
        """Count a whole batch in as few transactions as fit (markers plus one aggregated
        update per counter item). False when a chunk was refused (a redelivered event among
        them, or a message changed since read): the caller then counts event by event, and
        the markers skip whatever was already counted."""
        known = dict(enrichments or {})
        before = engagement_before(events, known) if enrichments is not None else None
        for chunk in _chunks(events, self._engagement, known):
            items: list[Any] = [self._marker(e) for e in chunk] + self._aggregated(chunk, known)
            items += self._engagement.transact_items(chunk, before)
            try:
                self._client.transact_write_items(TransactItems=items)
            except ClientError as exc:
                if _cancelled(exc) is not None:
                    return False
                raise
            before = engagement_after(before, chunk) if before is not None else None
        return True

    def _aggregated(
        self, events: list[Event], enrichments: Mapping[str, Enrichment]
    ) -> list[dict[str, Any]]:
        totals: dict[str, Increments] = {}
        for event in events:
            mine = event_increments(event, enrichments.get(str(event["event_id"])))
            merge(totals.setdefault(event["tenant_id"], {}), mine)
        return [u for tenant_id, adds in totals.items() for u in self._updates(tenant_id, adds)]

    def _updates(self, tenant_id: str, adds: Increments) -> list[dict[str, Any]]:
        return [self._update(tenant_id, key, counts) for key, counts in adds.items()]

    def _update(self, tenant_id: str, key: str, counts: dict[str, int]) -> dict[str, Any]:
        names = {f"#n{i}": name for i, name in enumerate(counts)}
        values = {f":v{i}": {"N": str(n)} for i, n in enumerate(counts.values())}
        return {
            "Update": {
                "TableName": self._counters,
                "Key": {"tenant_id": {"S": tenant_id}, "sk": {"S": key}},
                "UpdateExpression": "ADD " + ", ".join(f"#n{i} :v{i}" for i in range(len(counts))),
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
        found = {counted_name(k): int(v["N"]) for k, v in item.items() if "N" in v}
        return {k: v for k, v in found.items() if k is not None}


def _chunks(
    events: list[Event],
    engagement: EngagementWrites,
    enrichments: Mapping[str, Enrichment],
    limit: int = 100,
) -> list[list[Event]]:
    """Events in chunks whose markers plus distinct counter and engagement items stay within
    one transaction's 100 items."""
    chunks: list[list[Event]] = []
    current: list[Event] = []
    items: set[tuple[str, str]] = set()
    for event in events:
        adds = event_increments(event, enrichments.get(str(event["event_id"])))
        mine = {("counter", event["tenant_id"] + "#" + key) for key in adds}
        mine |= engagement.targets(event)
        if current and len(current) + 1 + len(items | mine) > limit:
            chunks.append(current)
            current, items = [], set()
        current.append(event)
        items |= mine
    if current:
        chunks.append(current)
    return chunks


def _cancelled(exc: ClientError) -> list[str] | None:
    """The cancellation reason codes of a cancelled transaction (empty when DynamoDB gave
    none), None for any other error."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons = exc.response.get("CancellationReasons") or []
    if reasons:
        return [str(r.get("Code") or "None") for r in reasons]
    # without them (some emulators) the message ends with the list: "… [None, …]"
    listed = str(exc).rpartition("[")[2].rstrip("]")
    return [code.strip() for code in listed.split(",") if code.strip()]
