"""The ContactsTable's key formats and item shapes (low-level client values), in one place for
both stores of the table. Every key is led by the tenant id; the sort keys:

- ``contact#<ctc id>``: the contact (``fields`` as JSON, so numbers keep int or float);
- ``email#<normalised address>``: the claim that keeps addresses unique per tenant;
- ``list#<lst id>``: a list;
- ``member#<lst id>#<ctc id>`` and ``inlist#<ctc id>#<lst id>``: one membership, readable
  from the list (its members, in id order) and from the contact (its lists);
- ``field#<name>``: a custom field definition.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.aws.dynamodb import query_tenant_page
from chalicelib.contacts.rules.checks import FieldDef
from chalicelib.contacts.rules.contacts import Contact
from chalicelib.contacts.rules.lists import ContactList
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import decode_token

if TYPE_CHECKING:
    from chalicelib.contacts.rules.contacts import FieldValue

CONTACT, EMAIL, LIST, MEMBER, IN_LIST, FIELD = (
    "contact#",
    "email#",
    "list#",
    "member#",
    "inlist#",
    "field#",
)
_OPTIONAL = ("first_name", "last_name", "company", "time_zone")


def key(tenant_id: str, sk: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": sk}}


def prefix_page(
    client: Any, request: dict[str, Any], tenant_id: str, prefix: str, token: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One Query page of the tenant's items under ``prefix`` (``request`` holds ``Limit`` and
    any filter); a token from another listing is refused, never resumed elsewhere."""
    start = decode_token(token, {"sk"})
    if start and not start["sk"].startswith(prefix):
        raise BadRequest("next_token is not a token this API issued", {"field": "next_token"})
    request["KeyConditionExpression"] = "tenant_id = :t AND begins_with(sk, :prefix)"
    values = request.setdefault("ExpressionAttributeValues", {})
    values |= {":t": {"S": tenant_id}, ":prefix": {"S": prefix}}
    return query_tenant_page(client, request, tenant_id, token)


def member_sk(list_id: str, contact_id: str) -> str:
    return f"{MEMBER}{list_id}#{contact_id}"


def in_list_sk(contact_id: str, list_id: str) -> str:
    return f"{IN_LIST}{contact_id}#{list_id}"


def contact_item(contact: Contact) -> dict[str, Any]:
    item = {
        **key(contact.tenant_id, CONTACT + contact.contact_id),
        "email": {"S": contact.email},
        "status": {"S": contact.status},
        "tags": {"L": [{"S": t} for t in contact.tags]},
        "fields": {"S": json.dumps(contact.fields, separators=(",", ":"), sort_keys=True)},
        "created_at": {"S": contact.created_at},
        "updated_at": {"S": contact.updated_at},
    }
    for name in _OPTIONAL:
        value = getattr(contact, name)
        if value is not None:
            item[name] = {"S": value}
    return item


def _fields(text: str) -> dict[str, FieldValue]:
    return {str(k): v for k, v in json.loads(text).items()}


def contact_of(item: dict[str, Any]) -> Contact:
    optional = {name: item[name]["S"] if name in item else None for name in _OPTIONAL}
    return Contact(
        tenant_id=item["tenant_id"]["S"],
        contact_id=item["sk"]["S"].removeprefix(CONTACT),
        email=item["email"]["S"],
        status=item["status"]["S"],
        tags=tuple(t["S"] for t in item.get("tags", {}).get("L", [])),
        fields=_fields(item["fields"]["S"]),
        created_at=item["created_at"]["S"],
        updated_at=item["updated_at"]["S"],
        **optional,
    )


def claim_item(contact: Contact) -> dict[str, Any]:
    return {
        **key(contact.tenant_id, EMAIL + contact.email),
        "contact_id": {"S": contact.contact_id},
    }


def list_item(found: ContactList) -> dict[str, Any]:
    item = {
        **key(found.tenant_id, LIST + found.list_id),
        "name": {"S": found.name},
        "created_at": {"S": found.created_at},
        "updated_at": {"S": found.updated_at},
    }
    if found.description is not None:
        item["description"] = {"S": found.description}
    return item


def list_of(item: dict[str, Any]) -> ContactList:
    return ContactList(
        tenant_id=item["tenant_id"]["S"],
        list_id=item["sk"]["S"].removeprefix(LIST),
        name=item["name"]["S"],
        description=item["description"]["S"] if "description" in item else None,
        created_at=item["created_at"]["S"],
        updated_at=item["updated_at"]["S"],
    )


def membership_items(tenant_id: str, list_id: str, contact_id: str, at: str) -> list[dict]:
    """The two items of one membership."""
    added = {"added_at": {"S": at}}
    return [
        {**key(tenant_id, member_sk(list_id, contact_id)), **added},
        {**key(tenant_id, in_list_sk(contact_id, list_id)), **added},
    ]


def field_item(tenant_id: str, definition: FieldDef) -> dict[str, Any]:
    return {
        **key(tenant_id, FIELD + definition.name),
        "type": {"S": definition.type},
        "created_at": {"S": definition.created_at},
    }


def field_of(item: dict[str, Any]) -> FieldDef:
    return FieldDef(item["sk"]["S"].removeprefix(FIELD), item["type"]["S"], item["created_at"]["S"])
