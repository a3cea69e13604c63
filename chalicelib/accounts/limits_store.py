"""The API rate counters in DynamoDB (``ApiLimitsTable``): one item per tenant per minute,
key ``tenant_id`` + ``rate#api#<epoch minute>``, one number attribute per second of it for the
tenant (``s07``) and per key and second (``k<key tag>s07``), and ``expires_at`` (TTL) so
old minutes go away.

One UpdateItem per request, no read: ``ADD`` one to this second's two counters, ``SET`` the
TTL, ``ReturnValues=ALL_NEW``: the reply holds the previous second's counts too (a reply's
size costs no capacity; only the item's size does). The previous second of a minute's first
second is in the item before: it reads as 0 there (the window is one second wide once a
minute). The key tag is the first 10 characters of the key id's random body: short attribute
names keep the item, so each write, near 1 KB (a write unit) with one busy key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.accounts.rules.limits import WindowCounts
from chalicelib.aws.dynamodb import Table, TableRef

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

API_LIMITS = TableRef("ApiLimitsTable", __name__)
KEEP_SECONDS = 180  # a minute's item outlives its last window by two minutes


def key_tag(key_id: str) -> str:
    return "k" + key_id.partition("_")[2][:10]


def item_key(tenant_id: str, second: int) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": f"rate#api#{second // 60}"}}


class DynamoRateCounter:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def hit(self, tenant_id: str, key_id: str, second: int) -> WindowCounts:
        this, previous = _attributes(key_id, second)
        values: dict[str, AttributeValueTypeDef] = {
            ":one": {"N": "1"},
            ":expires": {"N": str(second - second % 60 + 60 + KEEP_SECONDS)},
        }
        reply = self._client.update_item(
            TableName=self._table,
            Key=item_key(tenant_id, second),
            UpdateExpression="ADD #tenant :one, #key :one SET expires_at = :expires",
            ExpressionAttributeNames={"#tenant": this[0], "#key": this[1]},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        got = reply.get("Attributes", {})
        (tenant_now, key_now), before = this, previous or ("", "")

        def count(name: str) -> int:
            return int(got.get(name, {}).get("N", "0")) if name else 0

        return WindowCounts(
            tenant=(count(before[0]), count(tenant_now)), key=(count(before[1]), count(key_now))
        )


def _attributes(key_id: str, second: int) -> tuple[tuple[str, str], tuple[str, ...]]:
    """This second's tenant and key attributes, and the previous second's when it is in the
    same item."""
    tag, index = key_tag(key_id), second % 60
    this = (f"s{index:02d}", f"{tag}s{index:02d}")
    previous = (f"s{index - 1:02d}", f"{tag}s{index - 1:02d}") if index else ()
    return this, previous
