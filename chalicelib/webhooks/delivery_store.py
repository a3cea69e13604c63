"""Deliveries, the event log and the per-endpoint rate counters in ``WebhooksTable``.

Key formats owned here (partition: ``tenant_id``):
- ``dlv#<endpoint id>#<delivery id>``: a delivery; delivery ids lead with the event's time,
  so a Query on the endpoint's prefix, backwards, lists the newest events first. Created with
  a conditional put on the key (the same event to the same endpoint is one record), kept 30
  days (``expires_at``).
- ``log#<occurred_at>#<event id>``: the tenant's event log (the envelope as JSON), kept 7
  days, read in order by replays.
- ``rate#<endpoint id>#<unix second>``: sends in that second, moved with a conditional ADD
  (refused at the limit), kept a minute.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws.dynamodb import Table, write_all
from chalicelib.core.clock import parse_iso
from chalicelib.core.pagination import Page, decode_token, encode_token
from chalicelib.webhooks.rules.records import Delivery
from chalicelib.webhooks.rules.replay import LOG_RETENTION
from chalicelib.webhooks.store import key, number, refused, text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from chalicelib.core.events import Event
    from chalicelib.webhooks.ports import Window

DELIVERY_RETENTION = timedelta(days=30)
_DELIVERY_TEXT = (
    "event_id",
    "event_type",
    "occurred_at",
    "created_at",
    "updated_at",
    "status",
    "last_error",
    "next_attempt_at",
    "first_attempt_at",
    "replay_job_id",
)
_DELIVERY_NUMBERS = ("attempts", "response_code", "response_ms")


def _sk(endpoint_id: str, delivery_id: str) -> str:
    return f"dlv#{endpoint_id}#{delivery_id}"


def _expires(at: str, keep: timedelta) -> dict[str, str]:
    return {"N": str(int((parse_iso(at) + keep).timestamp()))}


def _delivery_item(d: Delivery) -> dict[str, Any]:
    item: dict[str, Any] = {
        **key(d.tenant_id, _sk(d.endpoint_id, d.delivery_id)),
        "expires_at": _expires(d.created_at, DELIVERY_RETENTION),
    }
    for name in _DELIVERY_TEXT:
        if getattr(d, name) is not None:
            item[name] = {"S": getattr(d, name)}
    for name in _DELIVERY_NUMBERS:
        if getattr(d, name) is not None:
            item[name] = {"N": str(getattr(d, name))}
    return item


def _delivery(item: Mapping[str, Any]) -> Delivery:
    _, endpoint_id, delivery_id = item["sk"]["S"].split("#", 2)
    texts = {name: text(item, name) for name in _DELIVERY_TEXT}
    numbers = {name: number(item, name) for name in _DELIVERY_NUMBERS}
    return Delivery(
        tenant_id=item["tenant_id"]["S"],
        endpoint_id=endpoint_id,
        delivery_id=delivery_id,
        **{k: v for k, v in texts.items() if v is not None},  # type: ignore[arg-type]
        **{k: v for k, v in numbers.items() if v is not None},  # type: ignore[arg-type]
    )


class DynamoDeliveries:
    def __init__(self, table: Table) -> None:
        self._client, self._table = table.client, table.name

    def create(self, delivery: Delivery) -> Delivery:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_delivery_item(delivery),
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as error:
            if not refused(error):
                raise
            stored = self.get(delivery.tenant_id, delivery.endpoint_id, delivery.delivery_id)
            return stored if stored is not None else delivery
        return delivery

    def get(self, tenant_id: str, endpoint_id: str, delivery_id: str) -> Delivery | None:
        found = self._client.get_item(
            TableName=self._table,
            Key=key(tenant_id, _sk(endpoint_id, delivery_id)),
            ConsistentRead=True,
        ).get("Item")
        return _delivery(found) if found else None

    def save(self, delivery: Delivery) -> None:
        self._client.put_item(TableName=self._table, Item=_delivery_item(delivery))

    def list(
        self, tenant_id: str, endpoint_id: str, limit: int, token: str | None
    ) -> Page[Delivery]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {
                ":t": {"S": tenant_id},
                ":p": {"S": f"dlv#{endpoint_id}#"},
            },
            "ScanIndexForward": False,
            "Limit": limit + 1,
            "ConsistentRead": True,
        }
        start = decode_token(token, {"sk"})
        if start:
            if not start["sk"].startswith(f"dlv#{endpoint_id}#"):
                start = None
            else:
                request["ExclusiveStartKey"] = key(tenant_id, start["sk"])
        items = self._client.query(**request).get("Items", [])
        more = len(items) > limit
        items = items[:limit]
        next_token = encode_token({"sk": items[-1]["sk"]["S"]}) if more else None
        return Page([_delivery(i) for i in items], next_token)


def _log_sk(occurred_at: str, event_id: str) -> str:
    return f"log#{occurred_at}#{event_id}"


class DynamoEventLog:
    def __init__(self, table: Table) -> None:
        self._client, self._table = table.client, table.name

    def append(self, events: Sequence[Event]) -> None:
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        **key(
                            str(e["tenant_id"]), _log_sk(str(e["occurred_at"]), str(e["event_id"]))
                        ),
                        "type": {"S": str(e["type"])},
                        "event": {"S": json.dumps(e, separators=(",", ":"))},
                        "expires_at": _expires(str(e["occurred_at"]), LOG_RETENTION),
                    }
                }
            }
            for e in {str(e["event_id"]): e for e in events}.values()
        ]
        write_all(self._client, self._table, requests)

    def _request(self, tenant_id: str, window: Window) -> dict[str, Any]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {
                ":t": {"S": tenant_id},
                ":lo": {"S": f"log#{window.first}"},
                ":hi": {"S": f"log#{window.last}"},
            },
            "ConsistentRead": True,
        }
        if window.types:
            names = {f":k{i}": {"S": t} for i, t in enumerate(window.types)}
            request["FilterExpression"] = f"#type IN ({', '.join(names)})"
            request["ExpressionAttributeNames"] = {"#type": "type"}
            request["ExpressionAttributeValues"] |= names
        return request

    def page(self, tenant_id: str, window: Window, after: str | None, limit: int) -> list[Event]:
        request = self._request(tenant_id, window)
        found: list[Event] = []
        start = key(tenant_id, f"log#{after}") if after else None
        while len(found) < limit:
            if start:
                request["ExclusiveStartKey"] = start
            request["Limit"] = limit - len(found)
            reply = self._client.query(**request)
            events = (json.loads(i["event"]["S"]) for i in reply.get("Items", []))
            found.extend(e for e in events if window.takes(e))
            start = reply.get("LastEvaluatedKey")
            if not start:
                break
        return found

    def count(self, tenant_id: str, window: Window) -> int:
        request = self._request(tenant_id, window) | {"Select": "COUNT"}
        total = 0
        while True:
            reply = self._client.query(**request)
            total += int(reply.get("Count", 0))
            if not reply.get("LastEvaluatedKey"):
                return total
            request["ExclusiveStartKey"] = reply["LastEvaluatedKey"]


class DynamoRateLimiter:
    """At most ``per_second`` sends per endpoint in each second, one conditional ADD each."""

    def __init__(self, table: Table, per_second: int) -> None:
        self._client, self._table, self._limit = table.client, table.name, per_second

    def acquire(self, tenant_id: str, endpoint_id: str, now: datetime) -> bool:
        second = int(now.timestamp())
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key(tenant_id, f"rate#{endpoint_id}#{second}"),
                UpdateExpression="ADD n :one SET expires_at = if_not_exists(expires_at, :exp)",
                ConditionExpression="attribute_not_exists(n) OR n < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(self._limit)},
                    ":exp": {"N": str(second + 60)},
                },
            )
        except ClientError as error:
            if refused(error):
                return False
            raise
        return True
