"""Enrolments, their progress counters and the scheduler's allocations in DynamoDB
(``EnrolmentsTable``).

Keys (tenant-led, spread so a 100,000-contact campaign is no hot partition):
- an enrolment: ``tenant_id`` = ``<tenant>#<campaign>#<shard 00-15>``, ``sk`` = ``enr_…``;
- the shard's progress counters: same partition, ``sk`` = ``~progress`` (summed on read);
- the scheduler's allocations of one UTC day: ``<tenant>#alloc`` + ``<day>``.

An active enrolment is in the sparse ``by_due`` index (``due_pk`` = its partition,
``due_key`` = ``<due time>#<enrolment>``, all attributes projected): the scheduler reads the
due ones of a campaign's shards there. A flag set by a reaction is an attribute ``f:<step>:
<what>``; flags never change the version, so a reaction and the scheduler do not get in each
other's way, while a change of status or due time does."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws.dynamodb import Table, TableRef, batch_get
from chalicelib.campaigns.model import ACTIVE, SHARDS, Enrolment, shard_of
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import Page, decode_token, encode_token

if TYPE_CHECKING:
    import builtins
    from collections.abc import Mapping, Sequence

ENROLMENTS = TableRef("EnrolmentsTable", __name__)
DUE_INDEX = "by_due"
PROGRESS = "~progress"
FLAG = "f:"
PER_TRANSACTION = 80  # enrolments per enrolling transaction (with up to 16 counter items)
_REFUSED = ("ConditionalCheckFailedException", "TransactionCanceledException")


def partition(tenant_id: str, campaign_id: str, shard: int) -> str:
    return f"{tenant_id}#{campaign_id}#{shard:02d}"


def _key(e: Enrolment) -> dict[str, Any]:
    return {
        "tenant_id": {"S": partition(e.tenant_id, e.campaign_id, e.shard)},
        "sk": {"S": e.enrolment_id},
    }


def _state(e: Enrolment) -> dict[str, Any]:
    """The scheduler's attributes of an enrolment (everything but key, version and flags)."""
    values: dict[str, Any] = {
        "contact_id": {"S": e.contact_id},
        "status": {"S": e.status},
        "position": {"N": str(e.position)},
        "lease_until": {"N": str(e.lease_until)},
        "last_step": {"N": str(e.last_step)},
        "refs": {"S": json.dumps(list(e.refs))},
        "variants": {"S": json.dumps(e.variants, sort_keys=True)},
        "enrolled_at": {"S": e.enrolled_at},
        "updated_at": {"S": e.updated_at},
    }
    for name in ("due_at", "mailbox_id", "alloc_day", "stop_reason"):
        value = getattr(e, name)
        values[name] = {"S": value} if value is not None else {"NULL": True}
    return values


def _due(e: Enrolment) -> dict[str, Any]:
    if e.status != ACTIVE or not e.due_at:
        return {}
    return {
        "due_pk": {"S": partition(e.tenant_id, e.campaign_id, e.shard)},
        "due_key": {"S": f"{e.due_at}#{e.enrolment_id}"},
    }


def from_item(item: dict[str, Any]) -> Enrolment:
    tenant_id, campaign_id, _ = item["tenant_id"]["S"].split("#")

    def text(name: str) -> str | None:
        return item.get(name, {}).get("S")

    return Enrolment(
        tenant_id=tenant_id,
        campaign_id=campaign_id,
        enrolment_id=item["sk"]["S"],
        contact_id=item["contact_id"]["S"],
        status=item["status"]["S"],
        position=int(item["position"]["N"]),
        due_at=text("due_at"),
        enrolled_at=item["enrolled_at"]["S"],
        updated_at=item["updated_at"]["S"],
        version=int(item["version"]["N"]),
        lease_until=int(item["lease_until"]["N"]),
        mailbox_id=text("mailbox_id"),
        last_step=int(item["last_step"]["N"]),
        refs=tuple(json.loads(item["refs"]["S"])),
        variants=json.loads(item["variants"]["S"]),
        flags=frozenset(k[len(FLAG) :] for k in item if k.startswith(FLAG)),
        alloc_day=text("alloc_day"),
        stop_reason=text("stop_reason"),
    )


def _resume(token: str | None) -> tuple[int, str | None]:
    position = decode_token(token, {"shard", "sk"})
    if position is None:
        return 0, None
    shard = position.get("shard", "")
    if not shard.isdigit() or int(shard) >= SHARDS or "sk" not in position:
        raise BadRequest("next_token is not a token this API issued", {"field": "next_token"})
    return int(shard), position["sk"]


def _names_values(
    values: Mapping[str, Any], prefix: str
) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    names = {f"#{prefix}{i}": k for i, k in enumerate(values)}
    vals = {f":{prefix}{i}": v for i, v in enumerate(values.values())}
    pairs = [f"#{prefix}{i} = :{prefix}{i}" for i in range(len(values))]
    return names, vals, pairs


class DynamoEnrolmentStore:
    def __init__(self, table: Table) -> None:
        self._client: Any = table.client
        self._table = table.name

    # --- enrolling ------------------------------------------------------------------------
    def get_many(
        self, tenant_id: str, campaign_id: str, ids: Sequence[str]
    ) -> dict[str, Enrolment]:
        keys = [
            {"tenant_id": {"S": partition(tenant_id, campaign_id, shard_of(i))}, "sk": {"S": i}}
            for i in dict.fromkeys(ids)
        ]
        return {
            e.enrolment_id: e for e in map(from_item, batch_get(self._client, self._table, keys))
        }

    def find(self, tenant_id: str, pairs: Sequence[tuple[str, str]]) -> builtins.list[Enrolment]:
        keys = [
            {"tenant_id": {"S": partition(tenant_id, c, shard_of(e))}, "sk": {"S": e}}
            for c, e in dict.fromkeys(pairs)
        ]
        return [from_item(i) for i in batch_get(self._client, self._table, keys)]

    def add_new(self, enrolments: Sequence[Enrolment]) -> int:
        written = 0
        for start in range(0, len(enrolments), PER_TRANSACTION):
            written += self._add_chunk(list(enrolments[start : start + PER_TRANSACTION]))
        return written

    def _add_chunk(self, chunk: list[Enrolment]) -> int:
        for _ in range(3):
            if not chunk:
                return 0
            try:
                self._client.transact_write_items(TransactItems=self._enrol_items(chunk))
                return len(chunk)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in _REFUSED:
                    raise
            first = chunk[0]
            stored = self.get_many(
                first.tenant_id, first.campaign_id, [e.enrolment_id for e in chunk]
            )
            chunk = [e for e in chunk if e.enrolment_id not in stored]  # enrolled meanwhile
        raise RuntimeError("enrolments kept conflicting")

    def _enrol_items(self, chunk: list[Enrolment]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        per_shard: dict[int, int] = {}
        for e in chunk:
            item = {**_key(e), **_state(e), **_due(e), "version": {"N": str(e.version)}}
            put = {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(sk)",
            }
            items.append({"Put": put})
            per_shard[e.shard] = per_shard.get(e.shard, 0) + 1
        first = chunk[0]
        for shard, count in per_shard.items():
            counts = {"enrolled": count, "s1:waiting": count}
            items.append(self._counter_update(first.tenant_id, first.campaign_id, shard, counts))
        return items

    # --- reading --------------------------------------------------------------------------
    def list(
        self, tenant_id: str, campaign_id: str, limit: int, token: str | None
    ) -> Page[Enrolment]:
        """Shard by shard, each in enrolment id order; the token names the last shard and
        enrolment given."""
        shard, start = _resume(token)
        found: builtins.list[Enrolment] = []
        while shard < SHARDS and len(found) <= limit:
            pk = partition(tenant_id, campaign_id, shard)
            items, last = self._page(pk, limit + 1 - len(found), start)
            found += [from_item(i) for i in items]
            shard, start = (shard + 1, None) if last is None else (shard, last)
        more, found = len(found) > limit, found[:limit]
        last_one = found[-1] if found else None
        next_token = (
            encode_token({"shard": str(last_one.shard), "sk": last_one.enrolment_id})
            if more and last_one
            else None
        )
        return Page(found, next_token)

    def _page(
        self, pk: str, limit: int, start: str | None
    ) -> tuple[builtins.list[dict[str, Any]], str | None]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :p AND begins_with(sk, :e)",
            "ExpressionAttributeValues": {":p": {"S": pk}, ":e": {"S": "enr_"}},
            "Limit": limit,
            "ConsistentRead": True,
        }
        if start:
            request["ExclusiveStartKey"] = {"tenant_id": {"S": pk}, "sk": {"S": start}}
        reply = self._client.query(**request)
        last = reply.get("LastEvaluatedKey")
        return reply.get("Items", []), last["sk"]["S"] if last else None

    def due(
        self, tenant_id: str, campaign_id: str, shard: int, until: str, limit: int
    ) -> builtins.list[Enrolment]:
        reply = self._client.query(
            TableName=self._table,
            IndexName=DUE_INDEX,
            KeyConditionExpression="due_pk = :p AND due_key <= :u",
            ExpressionAttributeValues={
                ":p": {"S": partition(tenant_id, campaign_id, shard)},
                ":u": {"S": until + "~"},
            },
            Limit=limit,
        )
        return [from_item(i) for i in reply.get("Items", [])]

    # --- the scheduler's writes -----------------------------------------------------------
    def lease(
        self, enrolment: Enrolment, until: int, now: int, mailbox_id: str | None
    ) -> Enrolment | None:
        mailbox = enrolment.mailbox_id or mailbox_id
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(enrolment),
                UpdateExpression="SET lease_until = :until, version = :next, mailbox_id = :m",
                ConditionExpression="version = :v AND lease_until < :now",
                ExpressionAttributeValues={
                    ":until": {"N": str(until)},
                    ":next": {"N": str(enrolment.version + 1)},
                    ":v": {"N": str(enrolment.version)},
                    ":now": {"N": str(now)},
                    ":m": {"S": mailbox} if mailbox else {"NULL": True},
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _REFUSED:
                return None
            raise
        return replace(
            enrolment, lease_until=until, version=enrolment.version + 1, mailbox_id=mailbox
        )

    def advance(self, before: Enrolment, after: Enrolment, counts: Mapping[str, int]) -> bool:
        names, values, pairs = _names_values(_state(after) | _due(after), "a")
        expression = "SET " + ", ".join([*pairs, "version = :next"])
        if not _due(after):
            expression += " REMOVE due_pk, due_key"
        update = {
            "TableName": self._table,
            "Key": _key(before),
            "UpdateExpression": expression,
            "ConditionExpression": "version = :v",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values
            | {":next": {"N": str(before.version + 1)}, ":v": {"N": str(before.version)}},
        }
        return self._write(update, before, counts)

    def flag(
        self,
        enrolment: Enrolment,
        flags: Sequence[str],
        counts: Mapping[str, int],
        changes: Mapping[str, Any],
    ) -> bool:
        sets = {FLAG + f: {"N": "1"} for f in flags}
        conditions = [f"attribute_not_exists(#a{i})" for i in range(len(sets))]
        extra: dict[str, Any] = {}
        if changes:
            changed = replace(enrolment, **changes)
            sets |= {k: _state(changed)[k] for k in changes}
            extra = {
                ":v": {"N": str(enrolment.version)},
                ":next": {"N": str(enrolment.version + 1)},
            }
            conditions.append("version = :v")
        names, values, pairs = _names_values(sets, "a")
        expression = "SET " + ", ".join(pairs + (["version = :next"] if changes else []))
        if changes:
            due = _due(replace(enrolment, **changes))
            if due:
                expression += ", due_pk = :dp, due_key = :dk"
                extra |= {":dp": due["due_pk"], ":dk": due["due_key"]}
            else:
                expression += " REMOVE due_pk, due_key"
        update = {
            "TableName": self._table,
            "Key": _key(enrolment),
            "UpdateExpression": expression,
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values | extra,
        }
        return self._write(update, enrolment, counts)

    def forget(self, enrolment: Enrolment, counts: Mapping[str, int]) -> bool:
        delete = {
            "TableName": self._table,
            "Key": _key(enrolment),
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(enrolment.version)}},
        }
        return self._write(delete, enrolment, counts, "Delete")

    def _write(
        self, change: dict[str, Any], e: Enrolment, counts: Mapping[str, int], kind: str = "Update"
    ) -> bool:
        moved = {k: v for k, v in counts.items() if v}
        try:
            if moved:
                counter = self._counter_update(e.tenant_id, e.campaign_id, e.shard, moved)
                self._client.transact_write_items(TransactItems=[{kind: change}, counter])
            elif kind == "Delete":
                self._client.delete_item(**change)
            else:
                self._client.update_item(**change)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _REFUSED:
                return False
            raise
        return True

    # --- counters -------------------------------------------------------------------------
    def _counter_update(
        self, tenant_id: str, campaign_id: str, shard: int, counts: Mapping[str, int]
    ) -> dict[str, Any]:
        names = {f"#c{i}": k for i, k in enumerate(counts)}
        values = {f":c{i}": {"N": str(v)} for i, v in enumerate(counts.values())}
        return {
            "Update": {
                "TableName": self._table,
                "Key": {
                    "tenant_id": {"S": partition(tenant_id, campaign_id, shard)},
                    "sk": {"S": PROGRESS},
                },
                "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counts))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def progress(self, tenant_id: str, campaign_id: str) -> dict[str, int]:
        keys = [
            {"tenant_id": {"S": partition(tenant_id, campaign_id, s)}, "sk": {"S": PROGRESS}}
            for s in range(SHARDS)
        ]
        totals: dict[str, int] = {}
        for item in batch_get(self._client, self._table, keys):
            for name, value in item.items():
                if "N" in value:
                    totals[name] = totals.get(name, 0) + int(value["N"])
        return totals

    def allocations(self, tenant_id: str, day: str) -> dict[str, int]:
        reply = self._client.get_item(
            TableName=self._table,
            Key={"tenant_id": {"S": f"{tenant_id}#alloc"}, "sk": {"S": day}},
            ConsistentRead=True,
        )
        item = reply.get("Item", {})
        return {k: int(v["N"]) for k, v in item.items() if "N" in v}

    def allocate(self, tenant_id: str, day: str, counts: Mapping[str, int]) -> None:
        if not counts:
            return
        update = self._counter_update(tenant_id, "alloc", 0, counts)["Update"]
        update["Key"] = {"tenant_id": {"S": f"{tenant_id}#alloc"}, "sk": {"S": day}}
        self._client.update_item(**update)
