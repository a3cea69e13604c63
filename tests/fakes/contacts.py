"""In-memory twins of the contacts ports: ``FakeContactStore`` (contacts and their address
claims) and ``FakeListStore`` (lists, memberships, field definitions) sharing one
``ContactsData``, like the two stores of ``ContactsTable``; ``FakeErasedSuppressions`` for
sending's hashed suppression; and ``fake_ports`` / ``fake_directory`` for the unit tests of
other features (imports, campaigns) that need a ``ContactDirectory``. Each write keeps its
event in ``data.events`` (the outbox). Pages follow the real store's tokens and prefixes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.contacts.ports import EmailTaken, StaleContact, UnknownList
from chalicelib.contacts.rules.checks import FieldDef
from chalicelib.contacts.rules.contacts import ACTIVE, Contact
from chalicelib.contacts.rules.filters import ContactFilter
from chalicelib.contacts.rules.lists import ContactList
from chalicelib.contacts.service.contacts import ContactPorts
from chalicelib.contacts.service.directory import Directory
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import Page, decode_token
from tests.fakes.core import FakeClock, evaluated_page


@dataclass
class ContactsData:
    contacts: dict[tuple[str, str], Contact] = field(default_factory=dict)
    claims: dict[tuple[str, str], str] = field(default_factory=dict)
    lists: dict[tuple[str, str], ContactList] = field(default_factory=dict)
    members: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (t, list, c) -> at
    fields: dict[tuple[str, str], FieldDef] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)


def _page_of(
    keyed: dict[str, Any], prefix: str, limit: int, token: str | None, keep: Any = None
) -> Page[Any]:
    start = decode_token(token, {"sk"})
    if start and not start["sk"].startswith(prefix):
        raise BadRequest("next_token is not a token this API issued", {"field": "next_token"})
    page = evaluated_page(keyed.items(), lambda kv: kv[0], limit, token, keep or (lambda _: True))
    return Page([v for _, v in page.items], page.next_token)


class FakeContactStore:
    def __init__(self, data: ContactsData | None = None) -> None:
        self.data = data or ContactsData()

    def create(self, contact: Contact, lists: Sequence[str], event: dict[str, Any]) -> None:
        t, d = contact.tenant_id, self.data
        if (t, contact.email) in d.claims:
            raise EmailTaken(d.claims[(t, contact.email)])
        for list_id in lists:
            if (t, list_id) not in d.lists:
                raise UnknownList(list_id)
        d.contacts[(t, contact.contact_id)] = contact
        d.claims[(t, contact.email)] = contact.contact_id
        for list_id in lists:
            d.members[(t, list_id, contact.contact_id)] = contact.created_at
        d.events.append(event)

    def get(self, tenant_id: str, contact_id: str) -> Contact | None:
        return self.data.contacts.get((tenant_id, contact_id))

    def get_many(self, tenant_id: str, contact_ids: Sequence[str]) -> dict[str, Contact]:
        found = {c: self.get(tenant_id, c) for c in contact_ids}
        return {c: contact for c, contact in found.items() if contact is not None}

    def claims(self, tenant_id: str, emails: Sequence[str]) -> dict[str, str]:
        held = {e: self.data.claims.get((tenant_id, e)) for e in emails}
        return {e: c for e, c in held.items() if c is not None}

    def replace(self, before: Contact, after: Contact, event: dict[str, Any]) -> None:
        t, d = before.tenant_id, self.data
        stored = d.contacts.get((t, before.contact_id))
        if stored is None or (stored.updated_at, stored.email) != (before.updated_at, before.email):
            raise StaleContact(before.contact_id)
        if after.email != before.email:
            if (t, after.email) in d.claims:
                raise EmailTaken(d.claims[(t, after.email)])
            d.claims.pop((t, before.email), None)
            d.claims[(t, after.email)] = after.contact_id
        d.contacts[(t, after.contact_id)] = after
        d.events.append(event)

    def set_status(self, contact: Contact, status: str, reason: str, event: dict[str, Any]) -> bool:
        from dataclasses import replace

        key = (contact.tenant_id, contact.contact_id)
        stored = self.data.contacts.get(key)
        if stored is None or stored.status != ACTIVE:
            return False
        self.data.contacts[key] = replace(stored, status=status, updated_at=event["occurred_at"])
        self.data.events.append(event)
        return True

    def delete(self, contact: Contact, event: dict[str, Any]) -> bool:
        t, d = contact.tenant_id, self.data
        if d.contacts.pop((t, contact.contact_id), None) is None:
            return False
        if d.claims.get((t, contact.email)) == contact.contact_id:
            del d.claims[(t, contact.email)]
        d.events.append(event)
        return True

    def page(
        self, tenant_id: str, where: ContactFilter, limit: int, token: str | None
    ) -> Page[Contact]:
        mine = {
            f"contact#{c}": contact
            for (t, c), contact in self.data.contacts.items()
            if t == tenant_id
        }
        return _page_of(mine, "contact#", limit, token, lambda kv: where.matches(kv[1]))


class FakeListStore:
    def __init__(self, data: ContactsData | None = None) -> None:
        self.data = data or ContactsData()

    def save_list(self, found: ContactList) -> None:
        self.data.lists[(found.tenant_id, found.list_id)] = found

    def get_list(self, tenant_id: str, list_id: str) -> ContactList | None:
        return self.data.lists.get((tenant_id, list_id))

    def lists_page(self, tenant_id: str, limit: int, token: str | None) -> Page[ContactList]:
        mine = {f"list#{i}": lst for (t, i), lst in self.data.lists.items() if t == tenant_id}
        return _page_of(mine, "list#", limit, token)

    def delete_list(self, tenant_id: str, list_id: str) -> None:
        self.data.lists.pop((tenant_id, list_id), None)
        for key in [k for k in self.data.members if k[:2] == (tenant_id, list_id)]:
            del self.data.members[key]

    def add_members(
        self, tenant_id: str, list_id: str, contact_ids: Sequence[str], at: str
    ) -> None:
        for contact_id in contact_ids:
            self.data.members[(tenant_id, list_id, contact_id)] = at

    def memberships(self, tenant_id: str, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(lst, c) for lst, c in pairs if (tenant_id, lst, c) in self.data.members}

    def remove_member(self, tenant_id: str, list_id: str, contact_id: str) -> bool:
        return self.data.members.pop((tenant_id, list_id, contact_id), None) is not None

    def members(
        self, tenant_id: str, list_id: str, limit: int, token: str | None
    ) -> tuple[list[str], str | None]:
        prefix = f"member#{list_id}#"
        mine = {
            f"{prefix}{c}": c
            for (t, lst, c) in self.data.members
            if (t, lst) == (tenant_id, list_id)
        }
        page = _page_of(mine, prefix, limit, token)
        return page.items, page.next_token

    def lists_of(self, tenant_id: str, contact_id: str) -> list[str]:
        return sorted(lst for (t, lst, c) in self.data.members if (t, c) == (tenant_id, contact_id))

    def leave_all(self, tenant_id: str, contact_id: str) -> None:
        for list_id in self.lists_of(tenant_id, contact_id):
            del self.data.members[(tenant_id, list_id, contact_id)]

    def add_field(self, tenant_id: str, definition: FieldDef) -> bool:
        if (tenant_id, definition.name) in self.data.fields:
            return False
        self.data.fields[(tenant_id, definition.name)] = definition
        return True

    def field_defs(self, tenant_id: str) -> list[FieldDef]:
        return sorted(
            (f for (t, _), f in self.data.fields.items() if t == tenant_id), key=lambda f: f.name
        )


class FakeErasedSuppressions:
    """Keeps (tenant id, address, at) of every erasure; ``fail`` makes it refuse."""

    def __init__(self, fail: bool = False) -> None:
        self.suppressed: list[tuple[str, str, str]] = []
        self.fail = fail

    def suppress_erased(self, tenant_id: str, address: str, at: str) -> None:
        if self.fail:
            raise ConnectionError("suppressions unavailable")
        self.suppressed.append((tenant_id, address, at))


def fake_ports(clock: FakeClock | None = None, data: ContactsData | None = None) -> ContactPorts:
    shared = data or ContactsData()
    return ContactPorts(
        contacts=FakeContactStore(shared),
        lists=FakeListStore(shared),
        clock=clock or FakeClock(),
        suppressions=FakeErasedSuppressions(),
    )


def fake_directory(clock: FakeClock | None = None) -> Directory:
    """The real ``ContactDirectory`` over the twins: for other features' unit tests. Its
    ports (and their data, events included) are ``directory.ports``."""
    return Directory(fake_ports(clock))
