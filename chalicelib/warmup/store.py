"""Warm-ups in DynamoDB (``WarmupsTable``): one item per mailbox (``tenant_id`` + the
mailbox id), the record as a JSON ``data`` attribute, and a ``version`` every save checks and
bumps (two writers never overwrite each other: the later one gets ``StaleWarmup`` and
re-reads)."""

from __future__ import annotations

import json

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from chalicelib.aws.dynamodb import table_model
from chalicelib.warmup.records import StaleWarmup, Warmup


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

    def save(self, warmup: Warmup) -> Warmup:
        """Write ``warmup`` if nobody has since its read (``version``); the saved copy."""
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
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise StaleWarmup(warmup.mailbox_id) from exc
            raise
        return _warmup(item)
