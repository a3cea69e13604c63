"""The event outbox: every event is written to DynamoDB in the very write that makes its state
change, and put on the Kinesis stream from the table's DynamoDB Stream by the outbox relay.

Why this shape (ARCHITECTURE.md, "Events": durable with the change, never best-effort after
it): a write that changes state carries its events in the item's ``outbox`` attribute (a JSON
list), set by the same PutItem / UpdateItem. Either both land or neither does, with no
transaction and no extra request. The table's stream (NEW_AND_OLD_IMAGES) then holds the
change for 24 hours; the relay publishes the events of the new image that the old image did
not carry (a later write that does not touch ``outbox`` leaves it as it was, so nothing is
published twice by it), and a batch that Kinesis refuses is retried from the failed record
until it goes through. Events that belong to no stored state (opens and clicks) are items of
their own in the outbox table (``OutboxTable``), relayed the same way.

Guarantees: an event exists if and only if its change was stored; it reaches the stream at
least once (the relay may repeat a batch), as long as Kinesis recovers within the stream
retention (24 h); consumers keep exactly-once by ``event_id``.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from chalicelib.aws.dynamodb import Table, TableRef, write_all
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chalicelib.core.events import Event, EventPublisher

ATTRIBUTE = "outbox"
OUTBOX = TableRef("OutboxTable", __name__)
KEEP_SECONDS = 2 * 86400  # past the stream's 24 h: the relay has read it by then


def encode(events: Iterable[Event]) -> str:
    return json.dumps(list(events), separators=(",", ":"), sort_keys=True)


def attribute_value(events: Iterable[Event]) -> dict[str, str]:
    """The low-level client's value of the ``outbox`` attribute."""
    return {"S": encode(events)}


def _carried(image: dict[str, Any] | None) -> list[Event]:
    value = (image or {}).get(ATTRIBUTE, {})
    text = value.get("S") if isinstance(value, dict) else None
    if not text:
        return []
    try:
        events = json.loads(text)
    except ValueError:
        return []
    return [e for e in events if isinstance(e, dict) and isinstance(e.get("event_id"), str)]


def events_of_change(record: dict[str, Any]) -> list[Event]:
    """The events one DynamoDB Stream record brings: those of its new image that its old
    image did not already carry. A removal brings none."""
    change = record.get("dynamodb") or {}
    if record.get("eventName") == "REMOVE":
        return []
    before = {e["event_id"] for e in _carried(change.get("OldImage"))}
    return [e for e in _carried(change.get("NewImage")) if e["event_id"] not in before]


def per_message(events: Iterable[Event]) -> dict[str, list[Event]]:
    """Events grouped by the ``message_id`` they are about (the item that carries them)."""
    grouped: dict[str, list[Event]] = {}
    for event in events:
        grouped.setdefault(str(event.get("message_id", "")), []).append(event)
    return grouped


def save_with(model: Any, events: list[Event]) -> None:
    """Put a PynamoDB ``model`` item and its ``events`` (as outbox-table items) in one
    transaction: for a change whose own table has no stream (the idempotency table, written
    for every counted event, would feed the relay for nothing)."""
    table = OUTBOX.bind()
    writes: list[Any] = [{"Put": {"TableName": model.Meta.table_name, "Item": model.serialize()}}]
    writes += [{"Put": {"TableName": table.name, "Item": _outbox_item(e)}} for e in events]
    table.client.transact_write_items(TransactItems=writes)


def transact_put(event: Event) -> dict[str, Any]:
    """The ``TransactWriteItems`` entry that stores ``event`` as an outbox-table item: for a
    low-level store whose change and events go in one transaction."""
    return {"Put": {"TableName": OUTBOX.bind().name, "Item": _outbox_item(event)}}


def _outbox_item(event: Event) -> dict[str, Any]:
    return {
        "tenant_id": {"S": str(event["tenant_id"])},
        "sk": {"S": str(event["event_id"])},
        ATTRIBUTE: attribute_value([event]),
        "expires_at": {"N": str(int(time.time()) + KEEP_SECONDS)},
    }


class OutboxTablePublisher:
    """An ``EventPublisher`` for events that belong to no stored state (opens, clicks): each
    event is an item of the outbox table, relayed from its stream like every other event, so
    an unavailable stream delays them and loses none. One PutItem per event (BatchWriteItem
    for many); the items expire two days later."""

    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def publish(self, event: Event) -> None:
        self._client.put_item(TableName=self._table, Item=_outbox_item(event))

    def publish_many(self, events: list[Event]) -> None:
        requests = [{"PutRequest": {"Item": _outbox_item(e)}} for e in events]
        write_all(self._client, self._table, requests)


@provider("aws.outbox_events")
def outbox_events() -> EventPublisher:
    """Events with no state of their own, stored for the relay."""
    return OutboxTablePublisher(OUTBOX.bind())
