"""The sending side of the analytics counting: opens and clicks written onto their message
item (``eng_…`` attributes, people and machines apart, and the time of the last one) in the
event consumer's transaction (the analytics ``EngagementWrites`` port), and the facts of
messages the counters need (``message_facts``: mailbox, domain, campaign step and variant,
recipient domain and time zone, warm-up, and the opens and clicks by people so far), read
for a whole batch in BatchGetItem calls of 100. The message item's format stays in
``store``; this module reads and writes only these attributes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.analytics import MessageFacts

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from chalicelib.aws.dynamodb import Table
    from chalicelib.core.events import Event

ENGAGEMENT = {"message.opened": "opens", "message.clicked": "clicks"}
HUMAN = ("eng_opens_human", "eng_clicks_human")
FACT_ATTRIBUTES = ("sk", "#data", "tags", "to_addr", *HUMAN)
TRIES = 8


class MessageEngagement:
    """One update per message of a batch of events, adding opens and clicks (people and
    machines apart) and setting the time of the last one. Given what was read (``before``),
    only those messages are written, each on the condition that it still holds it."""

    def __init__(self, table: Table) -> None:
        self._table = table.name

    def targets(self, event: Event) -> set[tuple[str, str]]:
        if ENGAGEMENT.get(event.get("type", "")) is None or not event.get("message_id"):
            return set()
        return {("message", f"{event['tenant_id']}#{event['message_id']}")}

    def transact_items(
        self, events: list[Event], before: Mapping[tuple[str, str], tuple[int, int]] | None = None
    ) -> list[dict[str, Any]]:
        per_message: dict[tuple[str, str], dict[str, Any]] = {}
        for event in events:
            kind = ENGAGEMENT.get(event["type"])
            ref = (event["tenant_id"], str(event.get("message_id") or ""))
            if kind is None or not ref[1] or (before is not None and ref not in before):
                continue
            totals = per_message.setdefault(ref, {})
            name = f"eng_{kind}_{'human' if event.get('actor') == 'human' else 'machine'}"
            totals[name] = totals.get(name, 0) + 1
            last = f"eng_last_{kind}_at"
            totals[last] = max(str(totals.get(last, "")), str(event["occurred_at"]))
        return [
            self._update(t, m, totals, before.get((t, m)) if before is not None else None)
            for (t, m), totals in per_message.items()
        ]

    def _update(
        self, tenant_id: str, message_id: str, totals: dict[str, Any], read: tuple[int, int] | None
    ) -> dict[str, Any]:
        adds = {k: v for k, v in totals.items() if isinstance(v, int)}
        sets = {k: v for k, v in totals.items() if isinstance(v, str)}
        names = {f"#a{i}": k for i, k in enumerate(adds)} | {
            f"#s{i}": k for i, k in enumerate(sets)
        }
        values = {f":a{i}": {"N": str(v)} for i, v in enumerate(adds.values())}
        values |= {f":s{i}": {"S": v} for i, v in enumerate(sets.values())}
        expression = "ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(adds)))
        if sets:
            expression += " SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets)))
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"tenant_id": {"S": tenant_id}, "sk": {"S": message_id}},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if read is not None:
            _still(update, read)
        return {"Update": update}


def _still(update: dict[str, Any], read: tuple[int, int]) -> None:
    """Condition an update on the message holding the human opens and clicks read."""
    clauses = ["attribute_exists(sk)"]
    for index, (name, value) in enumerate(zip(HUMAN, read, strict=True)):
        update["ExpressionAttributeNames"][f"#h{index}"] = name
        update["ExpressionAttributeValues"][f":h{index}"] = {"N": str(value)}
        held = f"#h{index} = :h{index}"
        clauses.append(f"(attribute_not_exists(#h{index}) OR {held})" if value == 0 else held)
    update["ConditionExpression"] = " AND ".join(clauses)


class DynamoMessageFacts:
    """``analytics.MessageFactsSource`` over the messages table."""

    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def __call__(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, MessageFacts]:
        keys = [{"tenant_id": {"S": tenant_id}, "sk": {"S": m}} for m in dict.fromkeys(message_ids)]
        found: dict[str, MessageFacts] = {}
        for start in range(0, len(keys), 100):
            for item in self._read(keys[start : start + 100]):
                if "data" in item:
                    facts = facts_of(item)
                    found[facts.message_id] = facts
        return found

    def _read(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            self._table: {
                "Keys": keys,
                "ConsistentRead": True,
                "ProjectionExpression": ", ".join(FACT_ATTRIBUTES),
                "ExpressionAttributeNames": {"#data": "data"},
            }
        }
        items: list[dict[str, Any]] = []
        for _ in range(TRIES):
            reply = self._client.batch_get_item(RequestItems=request)
            items += reply.get("Responses", {}).get(self._table, [])
            request = reply.get("UnprocessedKeys") or {}
            if not request:
                return items
        raise RuntimeError(f"message facts: {len(request[self._table]['Keys'])} keys unread")


def facts_of(item: dict[str, Any]) -> MessageFacts:
    data = json.loads(item["data"]["S"])
    campaign = data.get("campaign") or {}
    variables = data.get("variables") or {}
    zone = variables.get("time_zone")
    tags = [t.get("S") for t in item.get("tags", {}).get("L", [])]
    to = item.get("to_addr", {}).get("S", "")
    return MessageFacts(
        message_id=item["sk"]["S"],
        mailbox_id=data.get("mailbox_id"),
        domain_id=data.get("domain_id"),
        campaign_id=campaign.get("campaign_id"),
        step=campaign.get("step"),
        variant=campaign.get("variant"),
        recipient_domain=to.rpartition("@")[2].lower() or None,
        time_zone=zone if isinstance(zone, str) else None,
        warmup="warmup" in tags or (data.get("metadata") or {}).get("purpose") == "warmup",
        opens_human=int(item.get(HUMAN[0], {}).get("N", "0")),
        clicks_human=int(item.get(HUMAN[1], {}).get("N", "0")),
    )
