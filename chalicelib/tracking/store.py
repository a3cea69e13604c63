"""Recent clicks of a message, for the "every link clicked within two seconds" verdict.

One small item per clicked message in the clicks table, tenant-led like every table
(``tenant_id``, sort key ``sk`` = the message id): the time of each link's latest click
(``l<index>``, Unix seconds) and ``expires_at`` (TTL, a day after the last click; only the
last two seconds matter, the day is slack for TTL's lazy deletion). A click is one
UpdateItem that sets its link's time and returns the item as it was before: atomic, no
read-before-write and no condition to retry. Two clicks racing on one message each see the
other or not, as two requests a millisecond apart would.

The client is the hit path's quick one (``aws.clients.dynamodb_quick``): a slow table costs a
redirect about a second at most, then the verdict goes without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.aws.dynamodb import TableRef

if TYPE_CHECKING:
    from chalicelib.aws.dynamodb import Table

CLICKS = TableRef("ClicksTable", __name__)
KEEP_SECONDS = 86_400
_PREFIX = "l"


class DynamoRecentClicks:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def record(
        self, tenant_id: str, message_id: str, link_index: int, at: float
    ) -> list[tuple[int, float]]:
        reply = self._client.update_item(
            TableName=self._table,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": message_id}},
            UpdateExpression="SET #link = :at, expires_at = :expires",
            ExpressionAttributeNames={"#link": f"{_PREFIX}{int(link_index)}"},
            ExpressionAttributeValues={
                ":at": {"N": f"{at:.3f}"},
                ":expires": {"N": str(int(at) + KEEP_SECONDS)},
            },
            ReturnValues="ALL_OLD",
        )
        return _clicks(reply.get("Attributes", {}))


def _clicks(item: dict[str, Any]) -> list[tuple[int, float]]:
    found = []
    for name, value in item.items():
        index = name[len(_PREFIX) :]
        if name.startswith(_PREFIX) and index.isdigit() and "N" in value:
            found.append((int(index), float(value["N"])))
    return sorted(found)
