"""Inbound messages in DynamoDB: tenant-led, sort key ``<received_at>#<inbound id>`` so a
tenant's inbound mail lists newest first with one Query; type and mailbox filters are
applied by DynamoDB to each page."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from chalicelib.adapters.dynamodb.paging import query_tenant_page
from chalicelib.domain.inbound_messages import InboundMessage
from chalicelib.domain.pagination import Page


class DynamoInboundRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

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

    def list(self, tenant_id: str, limit: int, token: str | None, filters: dict[str, str]) -> Page:
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
