"""Use cases of lists and custom fields: create, find (another tenant's id is a 404), rename,
delete (with every membership), add up to 1,000 contacts at once (all of the tenant's, or
nothing is added), remove one, read the members; declare and list custom fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.contacts.rules import checks
from chalicelib.contacts.rules import lists as rules
from chalicelib.core import ids
from chalicelib.core.errors import Conflict, NotFound, UnprocessableEntity
from chalicelib.core.pagination import Page, decode_token, encode_token

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.contacts.rules.checks import FieldDef
    from chalicelib.contacts.rules.contacts import Contact
    from chalicelib.contacts.rules.lists import ContactList
    from chalicelib.contacts.service.contacts import ContactPorts

MAX_FIELDS = 100


def create(ports: ContactPorts, tenant_id: str, name: str, description: str | None) -> ContactList:
    found = rules.new_list(tenant_id, name, description, ports.clock.now_iso())
    ports.lists.save_list(found)
    return found


def find(ports: ContactPorts, tenant_id: str, list_id: str) -> ContactList:
    found = None
    if ids.is_well_formed(list_id, "lst"):
        found = ports.lists.get_list(tenant_id, list_id)
    if found is None:
        raise NotFound(f"list {list_id[:60]} not found", {"id": list_id[:60]})
    return found


def update(
    ports: ContactPorts, tenant_id: str, list_id: str, changes: dict[str, Any]
) -> ContactList:
    found = rules.changed(find(ports, tenant_id, list_id), changes, ports.clock.now_iso())
    ports.lists.save_list(found)
    return found


def delete(ports: ContactPorts, tenant_id: str, list_id: str) -> ContactList:
    found = find(ports, tenant_id, list_id)
    ports.lists.delete_list(tenant_id, list_id)
    return found


def add_members(
    ports: ContactPorts, tenant_id: str, list_id: str, contact_ids: Sequence[str]
) -> int:
    """How many were added; an id that is not one of the tenant's contacts is a 422 naming
    ``contact_ids`` with the unknown ids, and nothing is added."""
    find(ports, tenant_id, list_id)
    wanted = list(dict.fromkeys(contact_ids))
    shaped = [c for c in wanted if ids.is_well_formed(c, "ctc")]
    found = ports.contacts.get_many(tenant_id, shaped) if shaped else {}
    unknown = [c[:60] for c in wanted if c not in found]
    if unknown:
        raise UnprocessableEntity(
            f"{len(unknown)} contact id(s) not found", {"field": "contact_ids", "ids": unknown[:20]}
        )
    ports.lists.add_members(tenant_id, list_id, wanted, ports.clock.now_iso())
    return len(wanted)


def remove_member(ports: ContactPorts, tenant_id: str, list_id: str, contact_id: str) -> None:
    find(ports, tenant_id, list_id)
    if not ids.is_well_formed(contact_id, "ctc") or not ports.lists.remove_member(
        tenant_id, list_id, contact_id
    ):
        raise NotFound(f"contact {contact_id[:60]} is not on the list", {"id": contact_id[:60]})


def members(
    ports: ContactPorts, tenant_id: str, list_id: str, limit: int, token: str | None
) -> Page[Contact]:
    find(ports, tenant_id, list_id)
    member_ids, next_token = ports.lists.members(tenant_id, list_id, limit, token)
    found = ports.contacts.get_many(tenant_id, member_ids)
    return Page([found[c] for c in member_ids if c in found], next_token)


def add_field(ports: ContactPorts, tenant_id: str, name: str, kind: str) -> FieldDef:
    definition = checks.FieldDef(
        checks.check_field_name(name), checks.check_field_type(kind), ports.clock.now_iso()
    )
    if len(ports.lists.field_defs(tenant_id)) >= MAX_FIELDS:
        raise UnprocessableEntity(f"at most {MAX_FIELDS} custom fields", {"field": "name"})
    if not ports.lists.add_field(tenant_id, definition):
        raise Conflict(f"a field named {name} exists", {"field": "name"})
    return definition


def fields(ports: ContactPorts, tenant_id: str) -> list[FieldDef]:
    return sorted(ports.lists.field_defs(tenant_id), key=lambda f: f.name)


def fields_page(
    ports: ContactPorts, tenant_id: str, limit: int, token: str | None
) -> Page[FieldDef]:
    """The tenant's fields (at most ``MAX_FIELDS``) by name, a page at a time."""
    after = decode_token(token, {"name"})
    ordered = [f for f in fields(ports, tenant_id) if after is None or f.name > after["name"]]
    chosen = ordered[:limit]
    more = len(ordered) > limit
    return Page(chosen, encode_token({"name": chosen[-1].name}) if more else None)
