"""Provider cool-downs: a mailbox that a recipient provider throttled (Gmail 4.7.28,
Microsoft 4.7.650/651) rests for that provider until a time. Kept in the counters table
(tenant-led, sort key ``cooldown#<mailbox>#<provider>``) with a TTL, one small item each;
many are read in BatchGetItems (``get_many``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.aws.dynamodb import Table, TableRef, batch_get

if TYPE_CHECKING:
    from collections.abc import Sequence

COOLDOWNS = TableRef("CountersTable", __name__)


def _key(tenant_id: str, mailbox_id: str, provider: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": f"cooldown#{mailbox_id}#{provider}"}}


class DynamoCooldowns:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def get(self, tenant_id: str, mailbox_id: str, provider: str) -> int:
        """The epoch second the cool-down ends (0 when there is none)."""
        reply = self._client.get_item(
            TableName=self._table, Key=_key(tenant_id, mailbox_id, provider), ConsistentRead=True
        )
        return int(reply.get("Item", {}).get("until", {}).get("N", "0"))

    def get_many(
        self, tenant_id: str, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        keys = [_key(tenant_id, m, p) for m, p in dict.fromkeys(pairs)]
        found = {}
        for item in batch_get(self._client, self._table, keys):
            mailbox_id, _, provider = item["sk"]["S"].removeprefix("cooldown#").rpartition("#")
            found[(mailbox_id, provider)] = int(item.get("until", {}).get("N", "0"))
        return found

    def set(self, tenant_id: str, mailbox_id: str, provider: str, until: int) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                **_key(tenant_id, mailbox_id, provider),
                "until": {"N": str(until)},
                "expires_at": {"N": str(until + 86400)},
            },
        )
