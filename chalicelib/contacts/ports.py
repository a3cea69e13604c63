"""What the contacts use cases need from storage and from other features: the contact items
(with their address claims), the list, membership and field-definition items, the hashed
suppression an erasure leaves behind; and the ``ContactDirectory`` other features use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.contacts.rules.checks import FieldDef
    from chalicelib.contacts.rules.contacts import Contact, ContactDraft, UpsertOutcome
    from chalicelib.contacts.rules.filters import ContactFilter
    from chalicelib.contacts.rules.lists import ContactList
    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page


class EmailTaken(Exception):
    """Another contact of the tenant holds the address."""

    def __init__(self, contact_id: str) -> None:
        super().__init__(contact_id)
        self.contact_id = contact_id


class UnknownList(Exception):
    def __init__(self, list_id: str) -> None:
        super().__init__(list_id)
        self.list_id = list_id


class StaleContact(Exception):
    """The contact changed (or went) since it was read."""


class ContactStore(Protocol):
    """Contacts and the ``email#`` claims that keep them unique; every write carries its
    event in the same transaction."""

    def create(self, contact: Contact, lists: Sequence[str], event: Event) -> None:
        """Contact, claim, memberships of ``lists`` and event, all or nothing: ``EmailTaken``
        if the address is claimed, ``UnknownList`` if a list does not exist."""
        ...

    def get(self, tenant_id: str, contact_id: str) -> Contact | None: ...

    def get_many(self, tenant_id: str, contact_ids: Sequence[str]) -> dict[str, Contact]: ...

    def claims(self, tenant_id: str, emails: Sequence[str]) -> dict[str, str]:
        """Normalised address -> the contact id holding it, for those claimed."""
        ...

    def replace(self, before: Contact, after: Contact, event: Event) -> None:
        """Store ``after`` if the stored contact is still ``before`` (``StaleContact``
        otherwise), moving the claim when the address changed (``EmailTaken``)."""
        ...

    def set_status(self, contact: Contact, status: str, reason: str, event: Event) -> bool:
        """Only from ``active``; False (nothing written) otherwise."""
        ...

    def delete(self, contact: Contact, event: Event) -> bool:
        """Contact and claim, with the event; False if it was already gone."""
        ...

    def page(
        self, tenant_id: str, where: ContactFilter, limit: int, token: str | None
    ) -> Page[Contact]:
        """In id order; ``limit`` items are read, then filtered (a page may hold fewer while
        ``next_token`` is set). ``where.list_id`` is not applied here."""
        ...


class ListStore(Protocol):
    """Lists, memberships (both directions) and custom field definitions."""

    def save_list(self, found: ContactList) -> None: ...

    def get_list(self, tenant_id: str, list_id: str) -> ContactList | None: ...

    def lists_page(self, tenant_id: str, limit: int, token: str | None) -> Page[ContactList]: ...

    def delete_list(self, tenant_id: str, list_id: str) -> None:
        """The list and every membership in it."""
        ...

    def add_members(
        self, tenant_id: str, list_id: str, contact_ids: Sequence[str], at: str
    ) -> None: ...

    def memberships(self, tenant_id: str, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (list id, contact id) pairs exist."""
        ...

    def remove_member(self, tenant_id: str, list_id: str, contact_id: str) -> bool: ...

    def members(
        self, tenant_id: str, list_id: str, limit: int, token: str | None
    ) -> tuple[list[str], str | None]:
        """Contact ids of the list in id order, and the token of the next page."""
        ...

    def lists_of(self, tenant_id: str, contact_id: str) -> list[str]: ...

    def leave_all(self, tenant_id: str, contact_id: str) -> None:
        """Remove the contact from every list."""
        ...

    def add_field(self, tenant_id: str, definition: FieldDef) -> bool:
        """False if a field of that name exists (nothing written)."""
        ...

    def field_defs(self, tenant_id: str) -> list[FieldDef]: ...


class ErasedSuppressions(Protocol):
    """Sending's side of an erasure: the address stays suppressed, kept only as a hash."""

    def suppress_erased(self, tenant_id: str, address: str, at: str) -> None: ...


class ContactDirectory(Protocol):
    """What other features (imports, campaigns) use of contacts."""

    def get(self, tenant_id: str, contact_id: str) -> Contact | None: ...

    def get_many(self, tenant_id: str, contact_ids: Sequence[str]) -> dict[str, Contact]: ...

    def find_by_email(self, tenant_id: str, email: str) -> Contact | None: ...

    def list_exists(self, tenant_id: str, list_id: str) -> bool: ...

    def list_members(
        self, tenant_id: str, list_id: str, limit: int, token: str | None
    ) -> tuple[list[str], str | None]: ...

    def set_status(
        self, tenant_id: str, contact_id: str, status: str, reason: str, at: str
    ) -> bool: ...

    def upsert_many(
        self, tenant_id: str, drafts: Sequence[ContactDraft]
    ) -> list[UpsertOutcome]: ...

    def field_types(self, tenant_id: str) -> dict[str, str]: ...
