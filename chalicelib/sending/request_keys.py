"""``Idempotency-Key`` for creates that send mail: the first request with a key stores its
reply; the same key with the same body gets that reply again; the same key with another
body is a 409. Kept in the idempotency table (``request#<key>``, per tenant) for 24 hours.

A request holds its key for a lease (``LEASE_SECONDS``, longer than the API function's
timeout, so the holder is gone when it ends). A request that died without finishing (a
Lambda timeout or crash runs no clean-up) leaves the key in progress: until the lease ends
a retry is a 409, after it the retry takes the key over and runs. An item past its
``expires_at`` counts as absent, whether or not DynamoDB's TTL has deleted it yet.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.aws.dynamodb import Table, TableRef
from chalicelib.core.errors import Conflict

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock

REQUEST_KEYS = TableRef("IdempotencyTable", __name__)

TTL_SECONDS = 24 * 3600
LEASE_SECONDS = 60
# Run the request: no item, an expired one, or an in-progress one for this body whose
# holder's lease has ended. ``status`` is a reserved word, hence ``#status``.
_FREE = (
    "attribute_not_exists(sk) OR expires_at < :now OR "
    "(#status = :in_progress AND lease_until < :now AND fingerprint = :fingerprint)"
)


def different_body() -> Conflict:
    return Conflict(
        "Idempotency-Key was already used with a different request body",
        {"field": "Idempotency-Key"},
    )


def still_running() -> Conflict:
    return Conflict(
        "a request with this Idempotency-Key is still being processed; retry after "
        f"{LEASE_SECONDS} seconds",
        {"field": "Idempotency-Key", "lease_seconds": LEASE_SECONDS},
    )


class DynamoRequestKeys:
    def __init__(self, table: Table, clock: Clock, lease_seconds: int = LEASE_SECONDS) -> None:
        self._client = table.client
        self._table = table.name
        self._clock = clock
        self._lease = lease_seconds

    def _key(self, tenant_id: str, key: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "sk": {"S": f"request#{key}"}}

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    def begin(self, tenant_id: str, key: str, fingerprint: str) -> tuple[int, Any] | None:
        """None when this request may run with ``key`` (go ahead); the stored
        (status, body) when it already ran with the same body; 409 otherwise."""
        now = self._now()
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **self._key(tenant_id, key),
                    "status": {"S": "in_progress"},
                    "fingerprint": {"S": fingerprint},
                    "updated_at": {"S": str(now)},
                    "lease_until": {"N": str(now + self._lease)},
                    "expires_at": {"N": str(now + TTL_SECONDS)},
                },
                ConditionExpression=_FREE,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":now": {"N": str(now)},
                    ":in_progress": {"S": "in_progress"},
                    ":fingerprint": {"S": fingerprint},
                },
            )
            return None
        except self._client.exceptions.ConditionalCheckFailedException:
            pass
        return self._stored_reply(tenant_id, key, fingerprint)

    def _stored_reply(self, tenant_id: str, key: str, fingerprint: str) -> tuple[int, Any]:
        item = self._client.get_item(
            TableName=self._table, Key=self._key(tenant_id, key), ConsistentRead=True
        ).get("Item", {})
        if item.get("fingerprint", {}).get("S") != fingerprint:
            raise different_body()
        if item.get("status", {}).get("S") != "done":
            raise still_running()
        return int(item["reply_status"]["N"]), json.loads(item["reply"]["S"])

    def finish(self, tenant_id: str, key: str, fingerprint: str, status: int, body: Any) -> None:
        now = self._now()
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
