"""The plan send rate's counters in the counters table: one small item per tenant and
one-second window (tenant-led, sort key ``rate#<epoch second>``), added to with one atomic
UpdateItem that returns the new total, and dropped by the table's TTL soon after."""

from __future__ import annotations

from typing import Any

from chalicelib.aws.dynamodb import Table, TableRef
from chalicelib.sending.rules.send_rate import WINDOW_KEEP_SECONDS

SLOTS = TableRef("CountersTable", __name__)


def _key(tenant_id: str, window: int) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": f"rate#{window}"}}


class DynamoSendSlots:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def reserve(self, tenant_id: str, window: int, count: int) -> int:
        """The window's reservations after adding ``count`` (one write, no read)."""
        reply = self._client.update_item(
            TableName=self._table,
            Key=_key(tenant_id, window),
            UpdateExpression="ADD reserved :n SET expires_at = :expires",
            ExpressionAttributeValues={
                ":n": {"N": str(count)},
                ":expires": {"N": str(window + WINDOW_KEEP_SECONDS)},
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(reply["Attributes"]["reserved"]["N"])
