"""Contacts in DynamoDB (``ContactsTable``, formats in ``items``): each write of a contact is
one TransactWriteItems with its ``email#`` claim (so an address belongs to one contact of the
tenant, whatever the race) and its event (an outbox-table item, ``chalicelib.aws.outbox``).
Reads are consistent; listings are Queries of the tenant's ``contact#`` items, never a Scan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws import outbox
from chalicelib.aws.dynamodb import Table, TableRef, batch_get
from chalicelib.contacts import items
from chalicelib.contacts.ports import EmailTaken, StaleContact, UnknownList
from chalicelib.contacts.rules.contacts import ACTIVE
from chalicelib.core.pagination import Page

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.contacts.rules.contacts import Contact
    from chalicelib.contacts.rules.filters import ContactFilter
    from chalicelib.core.events import Event

CONTACTS = TableRef("ContactsTable", __name__)
_NEW = "attribute_not_exists(sk)"


def _reasons(exc: ClientError) -> list[str] | None:
    """The per-item cancellation codes of a refused transaction (None: another error)."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    return [r.get("Code", "None") for r in exc.response.get("CancellationReasons") or []]


class DynamoContactStore:
    def __init__(self, table: Table) -> None:
        self._client: Any = table.client
        self._table = table.name

    def _put(self, item: dict[str, Any], condition: str | None = None, **extra: Any) -> dict:
        put: dict[str, Any] = {"TableName": self._table, "Item": item, **extra}
        if condition:
            put["ConditionExpression"] = condition
        return {"Put": put}

    def create(self, contact: Contact, lists: Sequence[str], event: Event) -> None:
        t = contact.tenant_id
        writes = [
            self._put(items.contact_item(contact), _NEW),
            self._put(items.claim_item(contact), _NEW),
        ]
        for list_id in lists:
            check = {"TableName": self._table, "Key": items.key(t, items.LIST + list_id)}
            writes.append(
                {"ConditionCheck": {**check, "ConditionExpression": "attribute_exists(sk)"}}
            )
            pair = items.membership_items(t, list_id, contact.contact_id, contact.created_at)
            writes += [self._put(i) for i in pair]
        writes.append(outbox.transact_put(event))
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            self._refused(exc, contact, lists)
            raise

    def _refused(self, exc: ClientError, contact: Contact, lists: Sequence[str]) -> None:
        reasons = _reasons(exc) or []
        if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
            holder = self.claims(contact.tenant_id, [contact.email]).get(contact.email, "")
            raise EmailTaken(holder) from exc
        for index, list_id in enumerate(lists):
            at = 2 + 3 * index
            if len(reasons) > at and reasons[at] == "ConditionalCheckFailed":
                raise UnknownList(list_id) from exc

    def get(self, tenant_id: str, contact_id: str) -> Contact | None:
        reply = self._client.get_item(
            TableName=self._table,
            Key=items.key(tenant_id, items.CONTACT + contact_id),
            ConsistentRead=True,
        )
        return items.contact_of(reply["Item"]) if "Item" in reply else None

    def get_many(self, tenant_id: str, contact_ids: Sequence[str]) -> dict[str, Contact]:
        keys = [items.key(tenant_id, items.CONTACT + c) for c in dict.fromkeys(contact_ids)]
        found = [items.contact_of(i) for i in batch_get(self._client, self._table, keys)]
        return {c.contact_id: c for c in found}

    def claims(self, tenant_id: str, emails: Sequence[str]) -> dict[str, str]:
        keys = [items.key(tenant_id, items.EMAIL + e) for e in dict.fromkeys(emails)]
        return {
            i["sk"]["S"].removeprefix(items.EMAIL): i["contact_id"]["S"]
            for i in batch_get(self._client, self._table, keys)
        }

    def replace(self, before: Contact, after: Contact, event: Event) -> None:
        same = "updated_at = :before AND email = :email"
        values = {":before": {"S": before.updated_at}, ":email": {"S": before.email}}
        writes = [self._put(items.contact_item(after), same, ExpressionAttributeValues=values)]
        moved = before.email != after.email
        if moved:
            old = items.key(before.tenant_id, items.EMAIL + before.email)
            writes.append({"Delete": {"TableName": self._table, "Key": old}})
            writes.append(self._put(items.claim_item(after), _NEW))
        writes.append(outbox.transact_put(event))
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            reasons = _reasons(exc) or []
            if moved and len(reasons) > 2 and reasons[2] == "ConditionalCheckFailed":
                holder = self.claims(after.tenant_id, [after.email]).get(after.email, "")
                raise EmailTaken(holder) from exc
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise StaleContact(before.contact_id) from exc
            raise

    def set_status(self, contact: Contact, status: str, reason: str, event: Event) -> bool:
        update = {
            "TableName": self._table,
            "Key": items.key(contact.tenant_id, items.CONTACT + contact.contact_id),
            "UpdateExpression": "SET #s = :s, status_reason = :r, updated_at = :at",
            "ConditionExpression": "#s = :active",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":s": {"S": status},
                ":r": {"S": reason},
                ":at": {"S": event["occurred_at"]},
                ":active": {"S": ACTIVE},
            },
        }
        writes = [{"Update": update}, outbox.transact_put(event)]
        return self._transact_if(writes)

    def delete(self, contact: Contact, event: Event) -> bool:
        t = contact.tenant_id
        gone = {
            "TableName": self._table,
            "Key": items.key(t, items.CONTACT + contact.contact_id),
            "ConditionExpression": "attribute_exists(sk)",
        }
        claim = {
            "TableName": self._table,
            "Key": items.key(t, items.EMAIL + contact.email),
            "ConditionExpression": "attribute_not_exists(sk) OR contact_id = :c",
            "ExpressionAttributeValues": {":c": {"S": contact.contact_id}},
        }
        writes = [{"Delete": gone}, {"Delete": claim}, outbox.transact_put(event)]
        return self._transact_if(writes)

    def _transact_if(self, writes: list[dict[str, Any]]) -> bool:
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if _reasons(exc) is not None and "ConditionalCheckFailed" in (_reasons(exc) or []):
                return False
            raise
        return True

    def page(
        self, tenant_id: str, where: ContactFilter, limit: int, token: str | None
    ) -> Page[Contact]:
        request: dict[str, Any] = {"TableName": self._table, "Limit": limit}
        _add_filters(request, where)
        found, next_token = items.prefix_page(
            self._client, request, tenant_id, items.CONTACT, token
        )
        return Page([items.contact_of(i) for i in found], next_token)


def _add_filters(request: dict[str, Any], where: ContactFilter) -> None:
    clauses, names, values = [], {}, {}
    if where.status:
        clauses.append("#s = :fs")
        names["#s"] = "status"
        values[":fs"] = {"S": where.status}
    if where.tag:
        clauses.append("contains(tags, :ftag)")
        values[":ftag"] = {"S": where.tag}
    if where.created_after:
        clauses.append("created_at >= :fa")
        values[":fa"] = {"S": where.created_after}
    if where.created_before:
        clauses.append("created_at < :fb")
        values[":fb"] = {"S": where.created_before}
    if clauses:
        request["FilterExpression"] = " AND ".join(clauses)
        request["ExpressionAttributeValues"] = values
    if names:
        request["ExpressionAttributeNames"] = names
