"""The warm-up pool's receiving side in ``WarmupsTable``: what each pool mailbox received,
what it has done with it, where its listing stopped, and the counters credited to the
senders.

- ``RCV#<mailbox id>#<message key>`` (the receiving tenant's partition): one received
  warm-up message, its planned actions (JSON), the actions done (a string set) and
  ``next_at``, the time of its next pending action (absent when none is left). It expires
  (``expires_at``, TTL) a week after it arrived.
- ``CUR#<mailbox id>`` (the receiving tenant's partition): the last UID listed per folder.
- ``POOL#<mailbox id>#<on>`` (the *sending* tenant's partition): what the pool saw of that
  mailbox's warm-up day: ``inbox``, ``spam``, ``rescued``, ``opened``, ``clicked``,
  ``replied``.

Every counter moves in the same transaction as the record change that justifies it, under a
condition that the change was not made before: a message listed twice is received once, an
action done twice counts once, whatever crashed in between.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.aws.dynamodb import Table, TableRef
from chalicelib.core.clock import parse_iso
from chalicelib.warmup.rules import POOL_COUNTERS

if TYPE_CHECKING:
    from collections.abc import Sequence

POOL = TableRef("WarmupsTable", __name__)
COUNTERS = POOL_COUNTERS
KEEP = timedelta(days=7)


@dataclass(frozen=True)
class SenderRef:
    """Whose warm-up a received message belongs to (from its signed ``X-PM-Warmup`` token)."""

    tenant_id: str
    mailbox_id: str
    on: str  # the sender's warm-up day label (YYYY-MM-DD)
    message_id: str  # the sender's message id (msg_…)
    address: str  # the sending mailbox's address


@dataclass(frozen=True)
class Planned:
    kind: str
    at: str  # ISO time


@dataclass(frozen=True)
class Received:
    """One warm-up message a pool mailbox received."""

    tenant_id: str  # the receiver's
    mailbox_id: str
    message_id: str  # its Message-ID header
    folder: str  # where it landed
    received_at: str
    sender: SenderRef
    plan: tuple[Planned, ...]
    original: dict[str, Any] = field(default_factory=dict)  # from, subject, text, references
    done: frozenset[str] = frozenset()

    @property
    def pending(self) -> tuple[Planned, ...]:
        return tuple(p for p in self.plan if p.kind not in self.done)

    @property
    def next_at(self) -> str | None:
        pending = self.pending
        return min(p.at for p in pending) if pending else None


def pool_counters_key(mailbox_id: str, on: str) -> str:
    """The sort key of a sender mailbox's day counters (``on`` empty: their prefix)."""
    return f"POOL#{mailbox_id}#{on}"


def message_key(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]


def _received_key(tenant_id: str, mailbox_id: str, message_id: str) -> dict[str, Any]:
    sk = f"RCV#{mailbox_id}#{message_key(message_id)}"
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": sk}}


def _counter_update(table: str, sender: SenderRef, counter: str) -> dict[str, Any]:
    if counter not in COUNTERS:
        raise ValueError(f"unknown pool counter {counter!r}")
    return {
        "TableName": table,
        "Key": {
            "tenant_id": {"S": sender.tenant_id},
            "sk": {"S": pool_counters_key(sender.mailbox_id, sender.on)},
        },
        "UpdateExpression": "ADD #c :one",
        "ExpressionAttributeNames": {"#c": counter},
        "ExpressionAttributeValues": {":one": {"N": "1"}},
    }


def _item(record: Received) -> dict[str, Any]:
    sender = record.sender
    item: dict[str, Any] = {
        **_received_key(record.tenant_id, record.mailbox_id, record.message_id),
        "message_id": {"S": record.message_id},
        "folder": {"S": record.folder},
        "received_at": {"S": record.received_at},
        "sender": {
            "S": json.dumps(
                [sender.tenant_id, sender.mailbox_id, sender.on, sender.message_id, sender.address]
            )
        },
        "plan": {"S": json.dumps([[p.kind, p.at] for p in record.plan])},
        "original": {"S": json.dumps(record.original)},
        "expires_at": {"N": str(int((parse_iso(record.received_at) + KEEP).timestamp()))},
    }
    if record.next_at:
        item["next_at"] = {"S": record.next_at}
    return item


def _record(item: dict[str, Any]) -> Received:
    sender = json.loads(item["sender"]["S"])
    mailbox_id = item["sk"]["S"].split("#")[1]
    return Received(
        item["tenant_id"]["S"],
        mailbox_id,
        item["message_id"]["S"],
        item["folder"]["S"],
        item["received_at"]["S"],
        SenderRef(*sender),
        tuple(Planned(kind, at) for kind, at in json.loads(item["plan"]["S"])),
        json.loads(item.get("original", {}).get("S", "{}")),
        frozenset(item.get("done", {}).get("SS", ())),
    )


class DynamoPoolStore:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def cursor(self, tenant_id: str, mailbox_id: str) -> dict[str, int]:
        """The last UID listed in each folder (0 when none)."""
        found = self._client.get_item(
            TableName=self._table,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": f"CUR#{mailbox_id}"}},
            ConsistentRead=True,
        ).get("Item", {})
        return {f: int(found.get(f, {}).get("N", "0")) for f in ("inbox", "spam")}

    def advance(self, tenant_id: str, mailbox_id: str, folder: str, uid: int) -> None:
        """Move the folder's cursor forward to ``uid`` (never back)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"tenant_id": {"S": tenant_id}, "sk": {"S": f"CUR#{mailbox_id}"}},
                UpdateExpression="SET #f = :uid",
                ConditionExpression="attribute_not_exists(#f) OR #f < :uid",
                ExpressionAttributeNames={"#f": folder},
                ExpressionAttributeValues={":uid": {"N": str(uid)}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return

    def receive(self, record: Received) -> bool:
        """Store ``record`` and credit its sender's placement counter (``inbox`` or
        ``spam``), together; False (nothing written) when it was received before."""
        put = {
            "TableName": self._table,
            "Item": _item(record),
            "ConditionExpression": "attribute_not_exists(sk)",
        }
        counter = _counter_update(self._table, record.sender, record.folder)
        return self._transact([{"Put": put}, {"Update": counter}])

    def due(self, tenant_id: str, mailbox_id: str, now: str, limit: int) -> list[Received]:
        """Received messages of the mailbox with an action due at ``now``, at most ``limit``."""
        found: list[Received] = []
        start: dict[str, Any] | None = None
        while len(found) < limit:
            query: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "tenant_id = :t AND begins_with(sk, :p)",
                "FilterExpression": "next_at <= :now",
                "ExpressionAttributeValues": {
                    ":t": {"S": tenant_id},
                    ":p": {"S": f"RCV#{mailbox_id}#"},
                    ":now": {"S": now},
                },
                "ConsistentRead": True,
            }
            if start:
                query["ExclusiveStartKey"] = start
            page = self._client.query(**query)
            found += [_record(item) for item in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return found[:limit]

    def complete(self, record: Received, kind: str, counter: str | None) -> bool:
        """Mark ``kind`` done on ``record`` (``next_at`` moves to its next pending action:
        pass the record with the actions done so far), crediting ``counter`` to the sender
        in the same transaction; False when it was done before."""
        done = record.done | {kind}
        remaining = [p.at for p in record.plan if p.kind not in done]
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": _received_key(record.tenant_id, record.mailbox_id, record.message_id),
            "ConditionExpression": "attribute_exists(sk) AND "
            "(attribute_not_exists(done) OR NOT contains(done, :kind))",
            "ExpressionAttributeValues": {":kind": {"S": kind}, ":set": {"SS": [kind]}},
        }
        if remaining:
            update["UpdateExpression"] = "ADD done :set SET next_at = :next"
            update["ExpressionAttributeValues"][":next"] = {"S": min(remaining)}
        else:
            update["UpdateExpression"] = "ADD done :set REMOVE next_at"
        writes: list[dict[str, Any]] = [{"Update": update}]
        if counter:
            writes.append({"Update": _counter_update(self._table, record.sender, counter)})
        return self._transact(writes)

    def counts(self, tenant_id: str, mailbox_id: str, on: str) -> dict[str, int]:
        """What the pool saw of ``mailbox_id``'s warm-up day ``on`` (every counter, 0 when
        none)."""
        found = self._client.get_item(
            TableName=self._table,
            Key={"tenant_id": {"S": tenant_id}, "sk": {"S": pool_counters_key(mailbox_id, on)}},
            ConsistentRead=True,
        ).get("Item", {})
        return {c: int(found.get(c, {}).get("N", "0")) for c in COUNTERS}

    def _transact(self, writes: Sequence[dict[str, Any]]) -> bool:
        items: Any = list(writes)
        try:
            self._client.transact_write_items(TransactItems=items)
        except self._client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or [{}]
            if reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True
