"""Lists, memberships and custom field definitions in DynamoDB (``ContactsTable``, formats in
``items``). A membership is two items written and removed together by BatchWriteItem (both
are plain puts and deletes, so a retry completes a half-done batch); members are read from
the list's ``member#`` items in contact-id order, a contact's lists from its ``inlist#``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws.dynamodb import Table, TableRef, batch_get, write_all
from chalicelib.contacts import items
from chalicelib.core.pagination import Page

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.contacts.rules.checks import FieldDef
    from chalicelib.contacts.rules.lists import ContactList

LISTS = TableRef("ContactsTable", __name__)


class DynamoListStore:
    def __init__(self, table: Table) -> None:
        self._client: Any = table.client
        self._table = table.name

    def save_list(self, found: ContactList) -> None:
        self._client.put_item(TableName=self._table, Item=items.list_item(found))

    def get_list(self, tenant_id: str, list_id: str) -> ContactList | None:
        reply = self._client.get_item(
            TableName=self._table,
            Key=items.key(tenant_id, items.LIST + list_id),
            ConsistentRead=True,
        )
        return items.list_of(reply["Item"]) if "Item" in reply else None

    def lists_page(self, tenant_id: str, limit: int, token: str | None) -> Page[ContactList]:
        request: dict[str, Any] = {"TableName": self._table, "Limit": limit}
        found, next_token = items.prefix_page(self._client, request, tenant_id, items.LIST, token)
        return Page([items.list_of(i) for i in found], next_token)

    def delete_list(self, tenant_id: str, list_id: str) -> None:
        self._client.delete_item(
            TableName=self._table, Key=items.key(tenant_id, items.LIST + list_id)
        )
        token: str | None = None
        while True:
            members, token = self.members(tenant_id, list_id, 500, token)
            self._forget(tenant_id, [(list_id, c) for c in members])
            if token is None:
                return

    def add_members(
        self, tenant_id: str, list_id: str, contact_ids: Sequence[str], at: str
    ) -> None:
        requests = [
            {"PutRequest": {"Item": item}}
            for contact_id in dict.fromkeys(contact_ids)
            for item in items.membership_items(tenant_id, list_id, contact_id, at)
        ]
        write_all(self._client, self._table, requests)

    def memberships(self, tenant_id: str, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        keys = [items.key(tenant_id, items.member_sk(lst, c)) for lst, c in dict.fromkeys(pairs)]
        found = set()
        for item in batch_get(self._client, self._table, keys):
            list_id, _, contact_id = item["sk"]["S"].removeprefix(items.MEMBER).partition("#")
            found.add((list_id, contact_id))
        return found

    def remove_member(self, tenant_id: str, list_id: str, contact_id: str) -> bool:
        if not self.memberships(tenant_id, [(list_id, contact_id)]):
            return False
        self._forget(tenant_id, [(list_id, contact_id)])
        return True

    def _forget(self, tenant_id: str, pairs: Sequence[tuple[str, str]]) -> None:
        requests = [
            {"DeleteRequest": {"Key": items.key(tenant_id, sk)}}
            for list_id, contact_id in pairs
            for sk in (items.member_sk(list_id, contact_id), items.in_list_sk(contact_id, list_id))
        ]
        write_all(self._client, self._table, requests)

    def members(
        self, tenant_id: str, list_id: str, limit: int, token: str | None
    ) -> tuple[list[str], str | None]:
        prefix = items.member_sk(list_id, "")
        request: dict[str, Any] = {"TableName": self._table, "Limit": limit}
        found, next_token = items.prefix_page(self._client, request, tenant_id, prefix, token)
        return [i["sk"]["S"].removeprefix(prefix) for i in found], next_token

    def lists_of(self, tenant_id: str, contact_id: str) -> list[str]:
        prefix = items.in_list_sk(contact_id, "")
        found: list[str] = []
        token: str | None = None
        while True:
            request: dict[str, Any] = {"TableName": self._table, "Limit": 500}
            page, token = items.prefix_page(self._client, request, tenant_id, prefix, token)
            found += [i["sk"]["S"].removeprefix(prefix) for i in page]
            if token is None:
                return found

    def leave_all(self, tenant_id: str, contact_id: str) -> None:
        lists = self.lists_of(tenant_id, contact_id)
        self._forget(tenant_id, [(list_id, contact_id) for list_id in lists])

    def add_field(self, tenant_id: str, definition: FieldDef) -> bool:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=items.field_item(tenant_id, definition),
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def field_defs(self, tenant_id: str) -> list[FieldDef]:
        found: list[FieldDef] = []
        token: str | None = None
        while True:
            request: dict[str, Any] = {"TableName": self._table, "Limit": 200}
            page, token = items.prefix_page(self._client, request, tenant_id, items.FIELD, token)
            found += [items.field_of(i) for i in page]
            if token is None:
                return found
