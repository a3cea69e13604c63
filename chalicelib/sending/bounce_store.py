"""After-sending state in the counters table: each recipient's run of soft bounces, and the
bounce-window sweeper's cursor.

Soft bounces (tenant-led, sort key ``soft#<address>``): the run counts each bounce once by
its source (the DSN's inbound id, or the message refused at RCPT/DATA), so a DSN processed
twice counts once; a delivery (the bounce window passed) or a reply ends the run by deleting
the item. The cursor (``_platform`` / ``cursor#delivered``) is the first hour the sweeper has
not finished; it only moves forward.
"""

from __future__ import annotations

from typing import Any

from chalicelib.aws.dynamodb import Table, TableRef

STATE = TableRef("CountersTable", __name__)
PLATFORM = "_platform"


def _soft_key(tenant_id: str, address: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": f"soft#{address.lower()}"}}


class DynamoSoftBounceRuns:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def record(self, tenant_id: str, address: str, source_id: str) -> int:
        """The recipient's run with this bounce; the same source twice counts once."""
        key = _soft_key(tenant_id, address)
        try:
            reply = self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="ADD soft_bounces :one, sources :source",
                ConditionExpression="attribute_not_exists(sources) OR NOT contains(sources, :id)",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":source": {"SS": [source_id]},
                    ":id": {"S": source_id},
                },
                ReturnValues="UPDATED_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            found = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
            return int(found.get("Item", {}).get("soft_bounces", {}).get("N", "0"))
        return int(reply["Attributes"]["soft_bounces"]["N"])

    def end(self, tenant_id: str, address: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_soft_key(tenant_id, address))


class DynamoSweepCursor:
    """Where the bounce-window sweeper resumes (an hour, ``YYYY-MM-DDTHH``)."""

    def __init__(self, table: Table, name: str = "delivered") -> None:
        self._client = table.client
        self._table = table.name
        self._key = {"tenant_id": {"S": PLATFORM}, "sk": {"S": f"cursor#{name}"}}

    def get(self) -> str | None:
        reply = self._client.get_item(TableName=self._table, Key=self._key, ConsistentRead=True)
        return reply.get("Item", {}).get("hour", {}).get("S")

    def advance(self, hour: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key,
                UpdateExpression="SET #h = :h",
                ConditionExpression="attribute_not_exists(#h) OR #h < :h",
                ExpressionAttributeNames={"#h": "hour"},
                ExpressionAttributeValues={":h": {"S": hour}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            pass  # another sweep moved it further already
