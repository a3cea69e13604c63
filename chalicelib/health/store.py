"""Alerts in the tenant-led ``AlertsTable``: ``tenant_id`` + ``alert#<day>#<alert id>`` (the
id is derived from scope, kind and day, so the key itself makes an alert unique per day and
the listing newest day first), with ``kind`` and ``status`` as top-level attributes for the
listing's filters; and each domain's last DNSBL results (``dnsbl#<domain id>``).

An alert and its ``alert.raised`` event are written in one transaction (the event as an
outbox-table item, relayed to the stream like every other event); the alert's put is
conditional, so a second raise of the same alert writes nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws import outbox
from chalicelib.aws.dynamodb import Table, TableRef, query_tenant_page
from chalicelib.core.pagination import Page
from chalicelib.health.rules.alerts import Alert

if TYPE_CHECKING:
    from chalicelib.core.events import Event

ALERTS = TableRef("AlertsTable", __name__)
PREFIX = "alert#"


def _sk(alert: Alert) -> str:
    return f"{PREFIX}{alert.day}#{alert.alert_id}"


def _item(alert: Alert) -> dict[str, Any]:
    body = alert.to_public()
    return {
        "tenant_id": {"S": alert.tenant_id},
        "sk": {"S": _sk(alert)},
        "kind": {"S": alert.kind},
        "status": {"S": alert.status},
        "data": {"S": json.dumps(body, separators=(",", ":"), sort_keys=True)},
    }


def _alert(tenant_id: str, item: dict[str, Any]) -> Alert:
    body = json.loads(item["data"]["S"])
    return Alert(
        tenant_id,
        body["id"],
        body["kind"],
        body["scope"],
        body["day"],
        body["severity"],
        body["action"],
        body["message"],
        body["explanation"],
        body["raised_at"],
        status=item["status"]["S"],
        outcome=body["outcome"],
    )


class DynamoAlertStore:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def raise_once(self, alert: Alert, event: Event) -> bool:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": _item(alert),
            "ConditionExpression": "attribute_not_exists(sk)",
        }
        try:
            items: list[Any] = [{"Put": put}, outbox.transact_put(event)]
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons") or [{}]
                if reasons[0].get("Code") == "ConditionalCheckFailed":
                    return False
            raise
        return True

    def set_outcome(self, alert: Alert, outcome: str) -> None:
        body = {**alert.to_public(), "outcome": outcome}
        self._client.update_item(
            TableName=self._table,
            Key={"tenant_id": {"S": alert.tenant_id}, "sk": {"S": _sk(alert)}},
            UpdateExpression="SET #d = :d",
            ConditionExpression="attribute_exists(sk)",
            ExpressionAttributeNames={"#d": "data"},
            ExpressionAttributeValues={
                ":d": {"S": json.dumps(body, separators=(",", ":"), sort_keys=True)}
            },
        )

    def list(
        self, tenant_id: str, limit: int, token: str | None, kind: str | None, status: str | None
    ) -> Page[Alert]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}, ":p": {"S": PREFIX}},
            "ScanIndexForward": False,
            "ConsistentRead": True,
            "Limit": limit,
        }
        _filter(request, {"kind": kind, "status": status})
        items, next_token = query_tenant_page(self._client, request, tenant_id, token)
        return Page([_alert(tenant_id, i) for i in items], next_token)

    def save_blacklists(self, tenant_id: str, domain_id: str, results: dict[str, str]) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "tenant_id": {"S": tenant_id},
                "sk": {"S": f"dnsbl#{domain_id}"},
                "data": {"S": json.dumps(results, sort_keys=True)},
            },
        )

    def blacklists(self, tenant_id: str, domain_id: str) -> dict[str, str]:
        reply = self._client.get_item(
            TableName=self._table,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": f"dnsbl#{domain_id}"}},
        )
        item = reply.get("Item")
        return json.loads(item["data"]["S"]) if item else {}


def _filter(request: dict[str, Any], wanted: dict[str, str | None]) -> None:
    given = {name: value for name, value in wanted.items() if value is not None}
    if not given:
        return
    request["FilterExpression"] = " AND ".join(f"#{n} = :{n}" for n in given)
    request["ExpressionAttributeNames"] = {f"#{n}": n for n in given}
    request["ExpressionAttributeValues"].update({f":{n}": {"S": v} for n, v in given.items()})
