"""Messages in DynamoDB (tenant-led key ``tenant_id`` + time-ordered ``message_id``).

Status changes are conditional writes: a transition names the status and attempt it expects,
so two workers holding the same SQS message can never both claim it, and a late writer can
never overwrite a newer attempt. Bodies live in S3 (``bodies``), never here. Low-level
client calls keep each transition to one request.

Events travel with the writes that cause them (``chalicelib.aws.outbox``): ``create_many``,
``create_new`` (which creates only what is not stored yet, for reruns) and ``transition``
take the events of the change and store them in the item's ``outbox`` attribute in the same
request; the table's stream hands them to the relay.

A ``sent`` message is also in the sparse ``by_delivery_due`` index until it leaves ``sent``
(``due_shard`` ``due#<hour it is due>#<0-3>``, ``due_key`` ``<due time>#<tenant>#<message>``):
the bounce-window sweeper reads the hours that came due there, never the table. Every
transition sets or removes those two attributes with the status, in the same request.

Engagement (opens and clicks, people and machines apart, and the time of the last one) is
counted on the message item by the event consumer, in the same transaction as the event's
counters: ``engagement_store`` writes those attributes (``eng_…``) for it and reads the
message facts the counters need.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict
from datetime import UTC
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws import outbox
from chalicelib.aws.dynamodb import Table, TableRef, batch_get, query_tenant_page, write_all
from chalicelib.core.pagination import Page
from chalicelib.sending.rules.messages import CampaignLink, Message, StaleWrite, delivery_due

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chalicelib.core.events import Event

MESSAGES = TableRef("MessagesTable", __name__)
NEW_PER_TRANSACTION = 25  # message items are small; 25 stays far below the 4 MB limit
CREATE_TRIES = 8

_COLUMNS = (
    "tenant_id",
    "message_id",
    "status",
    "attempts",
    "timeline",
    "tags",
    "to",
    "subject",
    "engagement",
)


def to_item(message: Message, lease_until: int = 0) -> dict[str, Any]:
    rest = {k: v for k, v in asdict(message).items() if k not in _COLUMNS}
    item = {
        "tenant_id": {"S": message.tenant_id},
        "sk": {"S": message.message_id},
        "status": {"S": message.status},
        "attempts": {"N": str(message.attempts)},
        "lease_until": {"N": str(lease_until)},
        "to_addr": {"S": message.to},
        "from_addr": {"S": message.from_address.lower()},
        "subject": {"S": message.subject},
        "tags": {"L": [{"S": t} for t in message.tags]},
        "timeline": {"S": json.dumps(list(message.timeline), separators=(",", ":"))},
        "data": {"S": json.dumps(rest, separators=(",", ":"))},
    }
    return item


def _engagement(item: dict[str, Any]) -> dict[str, Any]:
    """What the event consumer recorded on the item: ``eng_opens_human`` and the like."""
    found: dict[str, Any] = {}
    for name, value in item.items():
        if name.startswith("eng_"):
            found[name[4:]] = int(value["N"]) if "N" in value else value.get("S")
    return found


def from_item(item: dict[str, Any]) -> Message:
    rest = json.loads(item["data"]["S"])
    rest.pop("engagement", None)
    rest["headers"] = dict(rest.get("headers") or {})
    rest["references"] = tuple(rest.get("references") or ())
    link = rest.pop("campaign", None)
    rest["campaign"] = CampaignLink(**link) if link else None
    return Message(
        tenant_id=item["tenant_id"]["S"],
        message_id=item["sk"]["S"],
        status=item["status"]["S"],
        attempts=int(item["attempts"]["N"]),
        to=item["to_addr"]["S"],
        subject=item.get("subject", {}).get("S", ""),
        tags=tuple(t["S"] for t in item.get("tags", {}).get("L", [])),
        timeline=tuple(json.loads(item["timeline"]["S"])),
        engagement=_engagement(item),
        **rest,
    )


def lease_of(item: dict[str, Any]) -> int:
    return int(item.get("lease_until", {}).get("N", "0"))


class DynamoMessageRepository:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def create_many(self, messages: list[Message], events: Iterable[Event] = ()) -> None:
        """Put every message, each with the events about it (by ``message_id``)."""
        carried = outbox.per_message(events)
        requests = []
        for message in messages:
            item = to_item(message)
            if carried.get(message.message_id):
                item[outbox.ATTRIBUTE] = outbox.attribute_value(carried[message.message_id])
            requests.append({"PutRequest": {"Item": item}})
        write_all(self._client, self._table, requests)

    def create_new(self, messages: list[Message], events: Iterable[Event] = ()) -> set[str]:
        """Put each message that is not stored yet, with its events, in transactions of
        ``NEW_PER_TRANSACTION`` conditional puts; the ids of the messages it created. A
        message stored already (a rerun) is left as it is and its events are dropped."""
        carried = outbox.per_message(events)
        created: set[str] = set()
        for start in range(0, len(messages), NEW_PER_TRANSACTION):
            chunk = messages[start : start + NEW_PER_TRANSACTION]
            created |= self._create_new(chunk, carried)
        return created

    def _create_new(self, chunk: list[Message], carried: dict[str, list[Event]]) -> set[str]:
        pending = list(chunk)
        for _ in range(CREATE_TRIES):
            if not pending:
                return set()
            puts: Any = [self._conditional_put(m, carried.get(m.message_id)) for m in pending]
            try:
                self._client.transact_write_items(TransactItems=puts)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                reasons = exc.response.get("CancellationReasons") or []
                stored = {
                    m.message_id
                    for m, r in zip(pending, reasons, strict=False)
                    if r.get("Code") == "ConditionalCheckFailed"
                }
                pending = [m for m in pending if m.message_id not in stored]
                continue
            return {m.message_id for m in pending}
        raise RuntimeError(f"could not create {len(pending)} messages: transactions kept failing")

    def _conditional_put(self, message: Message, events: list[Event] | None) -> dict[str, Any]:
        item = to_item(message)
        if events:
            item[outbox.ATTRIBUTE] = outbox.attribute_value(events)
        return {
            "Put": {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        }

    def get(self, tenant_id: str, message_id: str) -> Message | None:
        found = self.get_with_lease(tenant_id, message_id)
        return found[0] if found else None

    def get_with_lease(self, tenant_id: str, message_id: str) -> tuple[Message, int] | None:
        reply = self._client.get_item(
            TableName=self._table,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": message_id}},
            ConsistentRead=True,
        )
        item = reply.get("Item")
        return (from_item(item), lease_of(item)) if item and "data" in item else None

    def get_many(
        self, refs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[Message, int]]:
        """Consistent reads of many messages in BatchGetItem calls of up to 100 keys."""
        keys = [{"tenant_id": {"S": t}, "sk": {"S": m}} for t, m in dict.fromkeys(refs)]
        found: dict[tuple[str, str], tuple[Message, int]] = {}
        for item in batch_get(self._client, self._table, keys):
            if "data" not in item:  # engagement counted for no stored message
                continue
            message = from_item(item)
            found[(message.tenant_id, message.message_id)] = (message, lease_of(item))
        return found

    def transition(
        self,
        message: Message,
        expect_status: Iterable[str],
        expect_attempts: int,
        lease_until: int = 0,
        events: Iterable[Event] = (),
    ) -> None:
        """Write ``message``'s status, attempts and timeline (and the change's ``events``) if
        the stored message still has one of ``expect_status`` and ``expect_attempts``;
        ``StaleWrite`` otherwise."""
        statuses = list(expect_status)
        carried = list(events)
        values: dict[str, Any] = {
            ":status": {"S": message.status},
            ":attempts": {"N": str(message.attempts)},
            ":timeline": {"S": json.dumps(list(message.timeline), separators=(",", ":"))},
            ":lease": {"N": str(lease_until)},
            ":expect_attempts": {"N": str(expect_attempts)},
        }
        names = []
        for index, status in enumerate(statuses):
            values[f":e{index}"] = {"S": status}
            names.append(f":e{index}")
        update = "SET #status = :status, attempts = :attempts, timeline = :timeline, "
        update += "lease_until = :lease"
        if carried:
            update += f", {outbox.ATTRIBUTE} = :outbox"
            values[":outbox"] = outbox.attribute_value(carried)
        due = due_attributes(message)
        if due:
            update += ", due_shard = :due_shard, due_key = :due_key"
            values |= {":due_shard": due["due_shard"], ":due_key": due["due_key"]}
        else:
            update += " REMOVE due_shard, due_key"
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"tenant_id": {"S": message.tenant_id}, "sk": {"S": message.message_id}},
                UpdateExpression=update,
                ConditionExpression=(
                    f"#status IN ({', '.join(names)}) AND attempts = :expect_attempts"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise StaleWrite(message.message_id) from exc
            raise

    def list(
        self, tenant_id: str, limit: int, token: str | None, filters: dict[str, str]
    ) -> Page[Message]:
        """Newest first; filters are applied by DynamoDB to each page read, so a page can hold
        fewer than ``limit`` items while ``next_token`` is still set."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        _add_filters(request, filters)
        items, next_token = query_tenant_page(self._client, request, tenant_id, token)
        return Page([from_item(i) for i in items if "data" in i], next_token)


DUE_INDEX = "by_delivery_due"
DUE_SHARDS = 4


def due_shard(hour: str, shard: int) -> str:
    """The index partition of messages due in ``hour`` (``YYYY-MM-DDTHH``)."""
    return f"due#{hour}#{shard}"


def due_attributes(message: Message) -> dict[str, dict[str, str]]:
    """The index attributes of a ``sent`` message (empty for any other status)."""
    due = delivery_due(message)
    if due is None:
        return {}
    when = due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    shard = zlib.crc32(message.message_id.encode()) % DUE_SHARDS
    return {
        "due_shard": {"S": due_shard(when[:13], shard)},
        "due_key": {"S": f"{when}#{message.tenant_id}#{message.message_id}"},
    }


class DeliveryDueIndex:
    """The sweeper's side of the sparse ``by_delivery_due`` index: the messages of one hour
    that are due by a time, as (tenant id, message id)."""

    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def due(self, hour: str, until: str, limit: int) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for shard in range(DUE_SHARDS):
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": DUE_INDEX,
                "KeyConditionExpression": "due_shard = :s AND due_key <= :u",
                "ExpressionAttributeValues": {
                    ":s": {"S": due_shard(hour, shard)},
                    ":u": {"S": until + "~"},
                },
                "Limit": limit,
            }
            items = self._client.query(**request).get("Items", [])
            found += [(i["tenant_id"]["S"], i["sk"]["S"]) for i in items]
        return found


def _add_filters(request: dict[str, Any], filters: dict[str, str]) -> None:
    clauses, names, values = [], {}, request["ExpressionAttributeValues"]
    if filters.get("status"):
        clauses.append("#status = :fs")
        names["#status"] = "status"
        values[":fs"] = {"S": filters["status"]}
    if filters.get("to"):
        clauses.append("to_addr = :fto")
        values[":fto"] = {"S": filters["to"]}
    if filters.get("tag"):
        clauses.append("contains(tags, :ftag)")
        values[":ftag"] = {"S": filters["tag"]}
    if filters.get("from"):
        clauses.append("from_addr = :ffrom")
        values[":ffrom"] = {"S": filters["from"].lower()}
    if clauses:
        request["FilterExpression"] = " AND ".join(clauses)
    if names:
        request["ExpressionAttributeNames"] = names
