"""Warm-ups in DynamoDB (``WarmupsTable``): one item per mailbox (``tenant_id`` + the
mailbox id), the record as a JSON ``data`` attribute, and a ``version`` every save checks and
bumps (two writers never overwrite each other: the later one gets ``StaleWarmup`` and
re-reads).

The pool: a warming warm-up with ``pool`` on carries ``pool_shard`` (``"pool"``) and
``pool_key`` (``<tenant>#<mailbox>#<address>``), the keys of the sparse ``by_pool`` index
(keys only) that lists the members of every tenant without a Scan. The pool's counters of a
sender's day are the item ``POOL#<mailbox>#<on>`` (numbers the pool worker ADDs)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.aws import clients, outbox
from chalicelib.aws.dynamodb import table_model
from chalicelib.warmup.partners import PoolMember
from chalicelib.warmup.pool_store import pool_counters_key
from chalicelib.warmup.records import StaleWarmup, Warmup
from chalicelib.warmup.rules import POOL_COUNTERS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.events import Event


POOL_SHARD = "pool"


class PoolIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_pool"
        projection = KeysOnlyProjection()

    pool_shard = UnicodeAttribute(hash_key=True)
    pool_key = UnicodeAttribute(range_key=True)


@table_model("WarmupsTable")
class WarmupItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute()
    version = NumberAttribute(default=0)
    pool_shard = UnicodeAttribute(null=True)
    pool_key = UnicodeAttribute(null=True)
    by_pool = PoolIndex()


def _warmup(item: WarmupItem) -> Warmup:
    return Warmup.from_dict(item.tenant_id, item.sk, json.loads(item.data), int(item.version))


class DynamoWarmupRepository:
    def get(self, tenant_id: str, mailbox_id: str) -> Warmup | None:
        try:
            return _warmup(WarmupItem.get(tenant_id, mailbox_id, consistent_read=True))
        except DoesNotExist:
            return None

    def save(self, warmup: Warmup, events: Sequence[Event] = ()) -> Warmup:
        """Write ``warmup`` if nobody has since its read (``version``), with ``events`` in the
        same transaction (outbox); the saved copy."""
        item = WarmupItem(
            warmup.tenant_id,
            warmup.mailbox_id,
            data=json.dumps(warmup.to_dict(), separators=(",", ":")),
            version=warmup.version + 1,
        )
        if warmup.pool and warmup.status == "warming":
            item.pool_shard = POOL_SHARD
            item.pool_key = f"{warmup.tenant_id}#{warmup.mailbox_id}#{warmup.address}"
        condition = (
            WarmupItem.sk.does_not_exist()
            if warmup.version == 0
            else WarmupItem.version == warmup.version
        )
        if events:
            self._transact(item, warmup, events)
            return _warmup(item)
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise StaleWarmup(warmup.mailbox_id) from exc
            raise
        return _warmup(item)

    def _transact(self, item: WarmupItem, warmup: Warmup, events: Sequence[Event]) -> None:
        meta: Any = WarmupItem.Meta
        put: dict[str, Any] = {"TableName": meta.table_name, "Item": item.serialize()}
        if warmup.version == 0:
            put["ConditionExpression"] = "attribute_not_exists(sk)"
        else:
            put["ConditionExpression"] = "#v = :v"
            put["ExpressionAttributeNames"] = {"#v": "version"}
            put["ExpressionAttributeValues"] = {":v": {"N": str(warmup.version)}}
        client: Any = outbox.OUTBOX.bind().client
        writes = [{"Put": put}, *(outbox.transact_put(e) for e in events)]
        try:
            client.transact_write_items(TransactItems=writes)
        except client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or [{}]
            if reasons[0].get("Code") == "ConditionalCheckFailed":
                raise StaleWarmup(warmup.mailbox_id) from exc
            raise


class DynamoPoolDirectory:
    """The pool's members (the ``by_pool`` index) and a sender's day counters; also the
    pool worker's ``PoolDirectory`` (``members``)."""

    def members(self) -> list[PoolMember]:
        return self.pool_members()

    def pool_members(self) -> list[PoolMember]:
        members = []
        for item in WarmupItem.by_pool.query(POOL_SHARD):
            tenant_id, mailbox_id, address = str(item.pool_key).split("#", 2)
            members.append(PoolMember(tenant_id, mailbox_id, address))
        return members

    def pool_counts(self, tenant_id: str, mailbox_id: str, on: str) -> dict[str, int]:
        meta: Any = WarmupItem.Meta
        reply = clients.dynamodb().get_item(
            TableName=meta.table_name,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": pool_counters_key(mailbox_id, on)}},
            ConsistentRead=True,
        )
        item = reply.get("Item") or {}
        return {name: int(item.get(name, {}).get("N", "0")) for name in POOL_COUNTERS}

    def pool_days(self, tenant_id: str, mailbox_id: str) -> dict[str, dict[str, int]]:
        meta: Any = WarmupItem.Meta
        prefix = pool_counters_key(mailbox_id, "")
        days: dict[str, dict[str, int]] = {}
        query: dict[str, Any] = {
            "TableName": meta.table_name,
            "KeyConditionExpression": "tenant_id = :t AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}, ":p": {"S": prefix}},
        }
        while True:
            page = clients.dynamodb().query(**query)
            for item in page.get("Items", []):
                on = item["sk"]["S"][len(prefix) :]
                days[on] = {n: int(item.get(n, {}).get("N", "0")) for n in POOL_COUNTERS}
            if not page.get("LastEvaluatedKey"):
                return days
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
