"""Campaigns in DynamoDB (``CampaignsTable``, tenant-led: ``tenant_id`` + ``campaign#<id>``;
name, steps and settings as one JSON ``data`` attribute, beside ``status``, ``version`` and
``reached``). Every change is conditional on the version it read.

A scheduled or sending campaign is also in the sparse ``by_active`` index
(``active_shard`` ``active#<0-3>``, ``active_key`` ``<tenant>#<campaign>``): the scheduler
finds the campaigns it has to run there, never by reading the table. Each write sets or
removes those attributes with the status, in the same request. A change that has events
(creation, the lifecycle: ``campaign.*``) is one TransactWriteItems with its events as
outbox-table items (``chalicelib.aws.outbox``): the table has no stream of its own.

The A/B winner of an email step is an attribute ``w:<step>`` of its own, written once by a
conditional update (``attribute_not_exists``), so a winner once recorded never flips."""

from __future__ import annotations

import json
import zlib
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws import outbox
from chalicelib.aws.dynamodb import Table, TableRef, query_tenant_page
from chalicelib.campaigns.model import SCHEDULED, SENDING, Campaign
from chalicelib.core.pagination import Page

if TYPE_CHECKING:
    import builtins
    from collections.abc import Sequence

    from chalicelib.core.events import Event

CAMPAIGNS = TableRef("CampaignsTable", __name__)
ACTIVE_INDEX = "by_active"
ACTIVE_SHARDS = 4
PREFIX = "campaign#"
WINNER = "w:"
_DATA = ("name", "steps", "settings", "created_at", "updated_at", "started_at", "finished_at")


def _key(tenant_id: str, campaign_id: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": PREFIX + campaign_id}}


def to_item(campaign: Campaign, version: int) -> dict[str, Any]:
    data = {name: getattr(campaign, name) for name in _DATA}
    item = {
        **_key(campaign.tenant_id, campaign.campaign_id),
        "status": {"S": campaign.status},
        "version": {"N": str(version)},
        "reached": {"N": str(campaign.reached)},
        "data": {"S": json.dumps(data, separators=(",", ":"))},
    }
    item |= {WINNER + step: {"S": variant} for step, variant in campaign.winners.items()}
    if campaign.status in (SCHEDULED, SENDING):
        shard = zlib.crc32(campaign.campaign_id.encode()) % ACTIVE_SHARDS
        item["active_shard"] = {"S": f"active#{shard}"}
        item["active_key"] = {"S": f"{campaign.tenant_id}#{campaign.campaign_id}"}
    return item


def from_item(item: dict[str, Any]) -> Campaign:
    data = json.loads(item["data"]["S"])
    data["steps"] = tuple(data["steps"])
    return Campaign(
        tenant_id=item["tenant_id"]["S"],
        campaign_id=item["sk"]["S"].removeprefix(PREFIX),
        status=item["status"]["S"],
        version=int(item["version"]["N"]),
        reached=int(item.get("reached", {}).get("N", "-1")),
        winners={k.removeprefix(WINNER): v["S"] for k, v in item.items() if k.startswith(WINNER)},
        **data,
    )


def _refused(exc: ClientError) -> bool:
    """A conditional write refused (alone, or as the first item of a transaction)."""
    code = exc.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    reasons = exc.response.get("CancellationReasons") or [{}]
    return code == "TransactionCanceledException" and (
        reasons[0].get("Code") == "ConditionalCheckFailed"
    )


class DynamoCampaignStore:
    def __init__(self, table: Table) -> None:
        self._client: Any = table.client
        self._table = table.name

    def create(self, campaign: Campaign, events: Sequence[Event] = ()) -> None:
        self._put(
            {
                "TableName": self._table,
                "Item": to_item(campaign, campaign.version),
                "ConditionExpression": "attribute_not_exists(sk)",
            },
            events,
        )

    def _put(self, put: dict[str, Any], events: Sequence[Event]) -> None:
        if not events:
            self._client.put_item(**put)
            return
        writes = [{"Put": put}, *(outbox.transact_put(e) for e in events)]
        self._client.transact_write_items(TransactItems=writes)

    def get(self, tenant_id: str, campaign_id: str) -> Campaign | None:
        reply = self._client.get_item(
            TableName=self._table, Key=_key(tenant_id, campaign_id), ConsistentRead=True
        )
        item = reply.get("Item")
        return from_item(item) if item else None

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Campaign]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}, ":p": {"S": PREFIX}},
            "ScanIndexForward": False,
            "Limit": limit,
            "ConsistentRead": True,
        }
        items, next_token = query_tenant_page(self._client, request, tenant_id, token)
        return Page([from_item(i) for i in items], next_token)

    def save(self, campaign: Campaign, expect_version: int, events: Sequence[Event] = ()) -> bool:
        put = {
            "TableName": self._table,
            "Item": to_item(campaign, expect_version + 1),
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(expect_version)}},
        }
        try:
            self._put(put, events)
        except ClientError as exc:
            if _refused(exc):
                return False
            raise
        return True

    def raise_reached(self, tenant_id: str, campaign_id: str, position: int) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(tenant_id, campaign_id),
                UpdateExpression="SET reached = :p ADD version :one",
                ConditionExpression="attribute_exists(sk) AND reached < :p",
                ExpressionAttributeValues={":p": {"N": str(position)}, ":one": {"N": "1"}},
            )
        except ClientError as exc:
            if not _refused(exc):
                raise

    def set_winner(self, tenant_id: str, campaign_id: str, step: int, variant: str) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(tenant_id, campaign_id),
                UpdateExpression="SET #w = :w ADD version :one",
                ConditionExpression="attribute_exists(sk) AND attribute_not_exists(#w)",
                ExpressionAttributeNames={"#w": f"{WINNER}{step}"},
                ExpressionAttributeValues={":w": {"S": variant}, ":one": {"N": "1"}},
            )
        except ClientError as exc:
            if _refused(exc):
                return False
            raise
        return True

    def delete(self, tenant_id: str, campaign_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(tenant_id, campaign_id))

    def active(self, limit: int) -> builtins.list[tuple[str, str]]:
        found: builtins.list[tuple[str, str]] = []
        for shard in range(ACTIVE_SHARDS):
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": ACTIVE_INDEX,
                "KeyConditionExpression": "active_shard = :s",
                "ExpressionAttributeValues": {":s": {"S": f"active#{shard}"}},
                "Limit": limit,
            }
            while True:
                reply = self._client.query(**request)
                found += [
                    (i["tenant_id"]["S"], i["sk"]["S"].removeprefix(PREFIX))
                    for i in reply.get("Items", [])
                ]
                last = reply.get("LastEvaluatedKey")
                if not last or len(found) >= limit * ACTIVE_SHARDS:
                    break
                request["ExclusiveStartKey"] = last
        return found
