"""Storage for inbound mail.

- Inbound messages in DynamoDB: tenant-led, sort key ``<received_at>#<inbound id>`` so a
  tenant's inbound mail lists newest first with one Query; type and mailbox filters are
  applied by DynamoDB to each page.
- Raw MIME and reply texts in S3 under ``tenant/<id>/inbound/``.
- Two small tenant-led items in the counters table: the last IMAP UID seen per mailbox
  (``inbox#<mailbox>``) and the run of soft bounces per recipient (``soft#<address>``).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from chalicelib.aws.dynamodb import Table, TableRef, query_tenant_page
from chalicelib.core.pagination import Page
from chalicelib.inbound.rules.records import InboundMessage

INBOUND = TableRef("InboundTable", __name__)
STATE = TableRef("CountersTable", __name__)


class DynamoInboundRepository:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def save(self, message: InboundMessage) -> None:
        data = {k: v for k, v in asdict(message).items() if k not in ("tenant_id",)}
        self._client.put_item(
            TableName=self._table,
            Item={
                "tenant_id": {"S": message.tenant_id},
                "sk": {"S": f"{message.received_at}#{message.inbound_id}"},
                "kind": {"S": message.kind},
                "mailbox_id": {"S": message.mailbox_id},
                "data": {"S": json.dumps(data, separators=(",", ":"))},
            },
        )

    def list(
        self, tenant_id: str, limit: int, token: str | None, filters: dict[str, str]
    ) -> Page[InboundMessage]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        clauses = []
        if filters.get("type"):
            clauses.append("kind = :kind")
            request["ExpressionAttributeValues"][":kind"] = {"S": filters["type"]}
        if filters.get("mailbox_id"):
            clauses.append("mailbox_id = :mbx")
            request["ExpressionAttributeValues"][":mbx"] = {"S": filters["mailbox_id"]}
        if clauses:
            request["FilterExpression"] = " AND ".join(clauses)
        items, next_token = query_tenant_page(self._client, request, tenant_id, token)
        return Page([_inbound(tenant_id, i) for i in items], next_token)


def _inbound(tenant_id: str, item: dict[str, Any]) -> InboundMessage:
    data = json.loads(item["data"]["S"])
    for name in ("recipients", "status_codes"):
        data[name] = tuple(data.get(name) or ())
    return InboundMessage(tenant_id=tenant_id, **data)


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
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

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
