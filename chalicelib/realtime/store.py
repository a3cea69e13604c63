"""The realtime feature's DynamoDB storage.

``RealtimeConnectionsTable``, keyed by API Gateway's connection id (the one table of this
feature that is not tenant-led: a connection has no tenant until its first message, and
$disconnect names only the connection): the tenant and key once authenticated, when it
connected and was last seen, its topics (for the cleanup), a TTL two hours on (API Gateway's
longest connection).

``RealtimeTable``, tenant-led: ``sub#<topic>#<connection id>`` per subscription, so one query
per tenant (``sub#`` prefix) finds every subscriber of every topic; ``ticket#<sha256>`` per
ticket (the ticket never in clear), taken once by a conditional delete. Both with a TTL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.aws.dynamodb import TableRef
from chalicelib.realtime.ports import Connection, Ticket

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chalicelib.aws.dynamodb import Table

CONNECTIONS = TableRef("RealtimeConnectionsTable", "chalicelib.realtime.store")
REALTIME = TableRef("RealtimeTable", "chalicelib.realtime.store")
SUB = "sub#"
TICKET = "ticket#"


def _s(value: str) -> dict[str, Any]:
    return {"S": value}


def _n(value: int) -> dict[str, Any]:
    return {"N": str(value)}


class DynamoConnections:
    def __init__(self, table: Table) -> None:
        self._t = table

    def _key(self, connection_id: str) -> dict[str, Any]:
        return {"connection_id": _s(connection_id)}

    def open(self, connection: Connection) -> None:
        item = {
            "connection_id": _s(connection.connection_id),
            "connected_at": _s(connection.connected_at),
            "last_seen": _s(connection.last_seen or connection.connected_at),
            "expires_at": _n(connection.expires_at),
        }
        self._t.client.put_item(TableName=self._t.name, Item=item)

    def get(self, connection_id: str) -> Connection | None:
        found = self._t.client.get_item(
            TableName=self._t.name, Key=self._key(connection_id), ConsistentRead=True
        ).get("Item")
        return _connection(found) if found else None

    def authenticate(self, connection_id: str, tenant_id: str, key_id: str, at: str) -> None:
        self._t.client.update_item(
            TableName=self._t.name,
            Key=self._key(connection_id),
            UpdateExpression="SET tenant_id = :t, key_id = :k, last_seen = :at",
            ConditionExpression="attribute_exists(connection_id)",
            ExpressionAttributeValues={":t": _s(tenant_id), ":k": _s(key_id), ":at": _s(at)},
        )

    def set_topic(self, connection_id: str, topic: str, on: bool, at: str) -> None:
        verb = "ADD" if on else "DELETE"
        self._t.client.update_item(
            TableName=self._t.name,
            Key=self._key(connection_id),
            UpdateExpression=f"SET last_seen = :at {verb} topics :topic",
            ConditionExpression="attribute_exists(connection_id)",
            ExpressionAttributeValues={":at": _s(at), ":topic": {"SS": [topic]}},
        )

    def delete(self, connection_id: str) -> Connection | None:
        old = self._t.client.delete_item(
            TableName=self._t.name, Key=self._key(connection_id), ReturnValues="ALL_OLD"
        ).get("Attributes")
        return _connection(old) if old else None


def _connection(item: dict[str, Any]) -> Connection:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    return Connection(
        connection_id=item["connection_id"]["S"],
        connected_at=item["connected_at"]["S"],
        expires_at=int(item["expires_at"]["N"]),
        tenant_id=text("tenant_id"),
        key_id=text("key_id"),
        last_seen=text("last_seen") or "",
        topics=frozenset(item.get("topics", {}).get("SS", [])),
    )


class DynamoSubscriptions:
    def __init__(self, table: Table) -> None:
        self._t = table

    def add(self, tenant_id: str, topic: str, connection_id: str, expires_at: int) -> None:
        item = {
            "tenant_id": _s(tenant_id),
            "sk": _s(f"{SUB}{topic}#{connection_id}"),
            "expires_at": _n(expires_at),
        }
        self._t.client.put_item(TableName=self._t.name, Item=item)

    def remove(self, tenant_id: str, topics: Iterable[str], connection_id: str) -> None:
        keys = [{"tenant_id": _s(tenant_id), "sk": _s(f"{SUB}{t}#{connection_id}")} for t in topics]
        for start in range(0, len(keys), 25):
            requests: list[Any] = [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]
            self._t.client.batch_write_item(RequestItems={self._t.name: requests})

    def of_tenant(self, tenant_id: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        paginator = self._t.client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._t.name,
            KeyConditionExpression="tenant_id = :t AND begins_with(sk, :p)",
            ExpressionAttributeValues={":t": _s(tenant_id), ":p": _s(SUB)},
            ProjectionExpression="sk",
        )
        for page in pages:
            for item in page.get("Items", []):
                topic, _, connection_id = item["sk"]["S"].removeprefix(SUB).rpartition("#")
                found.setdefault(topic, []).append(connection_id)
        return found


class DynamoTickets:
    def __init__(self, table: Table) -> None:
        self._t = table

    def put(self, ticket_hash: str, ticket: Ticket) -> None:
        item = {
            "tenant_id": _s(ticket.tenant_id),
            "sk": _s(TICKET + ticket_hash),
            "key_id": _s(ticket.key_id),
            "expires_at": _n(ticket.expires_at),
        }
        self._t.client.put_item(TableName=self._t.name, Item=item)

    def take(self, tenant_id: str, ticket_hash: str) -> Ticket | None:
        old = self._t.client.delete_item(
            TableName=self._t.name,
            Key={"tenant_id": _s(tenant_id), "sk": _s(TICKET + ticket_hash)},
            ReturnValues="ALL_OLD",
        ).get("Attributes")
        if not old:
            return None
        return Ticket(tenant_id, old["key_id"]["S"], int(old["expires_at"]["N"]))
