"""Use cases of one contact, written against the ports: create (checked, unique by address:
a taken address is a 409 naming the contact that has it), find (another tenant's id is a
404 like a missing one), change, delete, and the filtered listing. Every change carries its
``contact.*`` event, which holds ids and attribute names only: the event lake cannot be
erased per person, so no personal data goes there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.contacts.ports import EmailTaken, StaleContact, UnknownList
from chalicelib.contacts.rules import checks
from chalicelib.contacts.rules import contacts as rules
from chalicelib.core import ids
from chalicelib.core.errors import Conflict, NotFound, UnprocessableEntity
from chalicelib.core.events import new_event
from chalicelib.core.pagination import Page

if TYPE_CHECKING:
    from chalicelib.contacts.ports import ContactStore, ErasedSuppressions, ListStore
    from chalicelib.contacts.rules.contacts import Contact, ContactDraft
    from chalicelib.contacts.rules.filters import ContactFilter
    from chalicelib.core.clock import Clock
    from chalicelib.core.events import Event


@dataclass
class ContactPorts:
    contacts: ContactStore
    lists: ListStore
    clock: Clock
    suppressions: ErasedSuppressions


def event(kind: str, contact: Contact, at: str, **fields: Any) -> Event:
    return new_event(
        f"contact.{kind}", contact.tenant_id, at, contact_id=contact.contact_id, **fields
    )


def field_types(ports: ContactPorts, tenant_id: str) -> dict[str, str]:
    return {f.name: f.type for f in ports.lists.field_defs(tenant_id)}


def taken(email: str, contact_id: str) -> Conflict:
    return Conflict(f"a contact with address {email} exists", {"field": "email", "id": contact_id})


def unknown_list(list_id: str, field: str = "lists") -> UnprocessableEntity:
    return UnprocessableEntity(f"list {list_id} not found", {"field": field, "id": list_id})


def create(ports: ContactPorts, tenant_id: str, draft: ContactDraft) -> Contact:
    types = field_types(ports, tenant_id) if draft.fields else {}
    draft = checks.check_draft(draft, types)
    now = ports.clock.now_iso()
    contact = rules.new_contact(tenant_id, draft, now)
    created = event("created", contact, now, status=contact.status, lists=list(draft.lists))
    try:
        ports.contacts.create(contact, draft.lists, created)
    except EmailTaken as exc:
        raise taken(contact.email, exc.contact_id) from exc
    except UnknownList as exc:
        raise unknown_list(exc.list_id) from exc
    return contact


def find(ports: ContactPorts, tenant_id: str, contact_id: str) -> Contact:
    found = None
    if ids.is_well_formed(contact_id, "ctc"):
        found = ports.contacts.get(tenant_id, contact_id)
    if found is None:
        raise NotFound(f"contact {contact_id[:60]} not found", {"id": contact_id[:60]})
    return found


def _checked_changes(ports: ContactPorts, tenant_id: str, changes: dict[str, Any]) -> dict:
    checked = dict(changes)
    if "email" in changes:
        checked["email"] = checks.check_email(changes["email"])
    for name in ("first_name", "last_name", "company"):
        if name in changes:
            checked[name] = checks.check_text(name, changes[name])
    if changes.get("time_zone") is not None:
        checked["time_zone"] = checks.check_time_zone(changes["time_zone"])
    if "tags" in changes:
        checked["tags"] = checks.check_tags(changes["tags"] or ())
    values = {k: v for k, v in (changes.get("fields") or {}).items() if v is not None}
    if values:
        kept = checks.check_fields(values, field_types(ports, tenant_id))
        checked["fields"] = {**changes["fields"], **kept}
    return checked


def update(
    ports: ContactPorts, tenant_id: str, contact_id: str, changes: dict[str, Any]
) -> Contact:
    before = find(ports, tenant_id, contact_id)
    now = ports.clock.now_iso()
    after = rules.changed(before, _checked_changes(ports, tenant_id, changes), now)
    touched = rules.changed_names(before, after)
    if not touched:
        return before
    updated = event("updated", after, now, changes=touched, status=after.status)
    try:
        ports.contacts.replace(before, after, updated)
    except EmailTaken as exc:
        raise taken(after.email, exc.contact_id) from exc
    except StaleContact as exc:
        raise Conflict("the contact changed meanwhile; read it and try again") from exc
    return after


def delete(ports: ContactPorts, tenant_id: str, contact_id: str) -> Contact:
    """The contact, its claim and its memberships (memberships first: a retry after a
    failure finds the contact and finishes)."""
    contact = find(ports, tenant_id, contact_id)
    ports.lists.leave_all(tenant_id, contact.contact_id)
    ports.contacts.delete(contact, event("deleted", contact, ports.clock.now_iso()))
    return contact


def page(
    ports: ContactPorts, tenant_id: str, where: ContactFilter, limit: int, token: str | None
) -> Page[Contact]:
    """Contacts in id order; with ``list_id``, that list's members (read from the list, then
    filtered like any page)."""
    if where.list_id is None:
        return ports.contacts.page(tenant_id, where, limit, token)
    if ports.lists.get_list(tenant_id, where.list_id) is None:
        raise unknown_list(where.list_id, "list_id")
    members, next_token = ports.lists.members(tenant_id, where.list_id, limit, token)
    found = ports.contacts.get_many(tenant_id, members)
    chosen = [found[c] for c in members if c in found and where.matches(found[c])]
    return Page(chosen, next_token)
