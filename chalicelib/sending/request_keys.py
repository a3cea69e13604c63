"""``Idempotency-Key`` for creates that send mail: the first request with a key stores its
reply; the same key with the same body gets that reply again; the same key with another
body is a 409. Kept in the idempotency table (``request#<key>``) for 24 hours."""

from __future__ import annotations

import json
import time
from typing import Any

from chalicelib.aws.dynamodb import Table, TableRef
from chalicelib.core.errors import Conflict

REQUEST_KEYS = TableRef("IdempotencyTable", __name__)

TTL_SECONDS = 24 * 3600


class DynamoRequestKeys:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def _key(self, tenant_id: str, key: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "sk": {"S": f"request#{key}"}}

    def begin(self, tenant_id: str, key: str, fingerprint: str) -> tuple[int, Any] | None:
        """None when this request is the first with ``key`` (go ahead); the stored
        (status, body) when it already ran with the same body; 409 otherwise."""
        now = int(time.time())
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **self._key(tenant_id, key),
                    "status": {"S": "in_progress"},
                    "fingerprint": {"S": fingerprint},
                    "updated_at": {"S": str(now)},
                    "expires_at": {"N": str(now + TTL_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(sk)",
            )
            return None
        except self._client.exceptions.ConditionalCheckFailedException:
            pass
        item = self._client.get_item(
            TableName=self._table, Key=self._key(tenant_id, key), ConsistentRead=True
        ).get("Item", {})
        if item.get("fingerprint", {}).get("S") != fingerprint:
            raise Conflict(
                "Idempotency-Key was already used with a different request body",
                {"field": "Idempotency-Key"},
            )
        if item.get("status", {}).get("S") != "done":
            raise Conflict(
                "a request with this Idempotency-Key is still being processed",
                {"field": "Idempotency-Key"},
            )
        return int(item["reply_status"]["N"]), json.loads(item["reply"]["S"])

    def finish(self, tenant_id: str, key: str, fingerprint: str, status: int, body: Any) -> None:
        now = int(time.time())
        self._client.put_item(
            TableName=self._table,
            Item={
                **self._key(tenant_id, key),
                "status": {"S": "done"},
                "fingerprint": {"S": fingerprint},
                "updated_at": {"S": str(now)},
                "expires_at": {"N": str(now + TTL_SECONDS)},
                "reply_status": {"N": str(status)},
                "reply": {"S": json.dumps(body, separators=(",", ":"))},
            },
        )

    def abandon(self, tenant_id: str, key: str) -> None:
        self._client.delete_item(TableName=self._table, Key=self._key(tenant_id, key))
