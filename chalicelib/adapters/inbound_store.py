"""Storage for inbound mail: raw MIME and reply texts in S3 under ``tenant/<id>/inbound/``,
and two small tenant-led items in the counters table: the last IMAP UID seen per mailbox
(``inbox#<mailbox>``) and the run of soft bounces per recipient (``soft#<address>``)."""

from __future__ import annotations

from typing import Any


class S3InboundStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put_raw(self, key: str, raw: bytes) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=raw, ContentType="message/rfc822")

    def put_text(self, key: str, text: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=text.encode("utf-8"),
            ContentType="text/plain; charset=utf-8",
        )


class DynamoInboxState:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, tenant_id: str, mailbox_id: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "sk": {"S": f"inbox#{mailbox_id}"}}

    def last_uid(self, tenant_id: str, mailbox_id: str) -> int:
        reply = self._client.get_item(
            TableName=self._table, Key=self._key(tenant_id, mailbox_id), ConsistentRead=True
        )
        return int(reply.get("Item", {}).get("last_uid", {}).get("N", "0"))

    def save_uid(self, tenant_id: str, mailbox_id: str, uid: int) -> None:
        """Only ever moves forward: a slower poll that saw older UIDs cannot move it back."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(tenant_id, mailbox_id),
                UpdateExpression="SET last_uid = :uid",
                ConditionExpression="attribute_not_exists(last_uid) OR last_uid < :uid",
                ExpressionAttributeValues={":uid": {"N": str(uid)}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            pass


class DynamoSoftBounces:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def increment(self, tenant_id: str, address: str) -> int:
        reply = self._client.update_item(
            TableName=self._table,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": f"soft#{address.lower()}"}},
            UpdateExpression="ADD soft_bounces :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(reply["Attributes"]["soft_bounces"]["N"])
