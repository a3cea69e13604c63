"""Warm-ups in DynamoDB (``WarmupsTable``): one item per mailbox (``tenant_id`` + the
mailbox id), the record as a JSON ``data`` attribute, and a ``version`` every save checks and
bumps (two writers never overwrite each other: the later one gets ``StaleWarmup`` and
re-reads)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from chalicelib.aws import outbox
from chalicelib.aws.dynamodb import table_model
from chalicelib.warmup.records import StaleWarmup, Warmup

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.events import Event


@table_model("WarmupsTable")
class WarmupItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute()
    version = NumberAttribute(default=0)


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
