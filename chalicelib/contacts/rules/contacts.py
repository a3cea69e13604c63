"""What a contact is: the person a tenant writes to, unique per tenant by normalised address,
with a status (anything but ``active`` stops every sequence), tags, custom fields and the
template variables it offers. Also the import's unit (``ContactDraft``) and how a draft is
merged into an existing contact (tags and fields added, names replaced when the draft has
them), so the same draft twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.core import ids

STATUSES = ("active", "replied", "bounced", "unsubscribed", "complained")
ACTIVE = "active"
NAMES = ("first_name", "last_name", "company", "time_zone")
FieldValue = str | int | float


@dataclass(frozen=True)
class Contact:
    tenant_id: str
    contact_id: str
    email: str
    first_name: str | None
    last_name: str | None
    company: str | None
    time_zone: str | None
    status: str
    tags: tuple[str, ...]
    fields: dict[str, FieldValue]
    created_at: str
    updated_at: str

    def variables(self) -> dict[str, Any]:
        """Template variables: the address, the names that are set, every custom field.
        A name the contact lacks is left out (not rendered as empty), so a template's
        ``| default('there')`` applies and a template that needs it is refused at enqueue."""
        found: dict[str, Any] = {"email": self.email}
        for name in NAMES:
            value = getattr(self, name)
            if value is not None:
                found[name] = value
        return {**self.fields, **found}

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.contact_id,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company": self.company,
            "time_zone": self.time_zone,
            "status": self.status,
            "tags": list(self.tags),
            "fields": dict(self.fields),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class ContactDraft:
    """What an import row or an API create becomes."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    time_zone: str | None = None
    tags: tuple[str, ...] = ()
    fields: dict[str, FieldValue] = field(default_factory=dict)
    lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpsertOutcome:
    email: str
    contact_id: str
    outcome: str  # created | updated | unchanged


def new_contact(tenant_id: str, draft: ContactDraft, now: str) -> Contact:
    return Contact(
        tenant_id=tenant_id,
        contact_id=ids.new_sortable_id("ctc"),
        email=draft.email,
        first_name=draft.first_name,
        last_name=draft.last_name,
        company=draft.company,
        time_zone=draft.time_zone,
        status=ACTIVE,
        tags=draft.tags,
        fields=dict(draft.fields),
        created_at=now,
        updated_at=now,
    )


def merged(contact: Contact, draft: ContactDraft) -> Contact:
    """``contact`` with what ``draft`` adds: its names where it has them, its tags after the
    contact's own, its fields over the contact's. ``updated_at`` is left as it was, so
    ``merged(c, d) == c`` says the draft brings nothing new."""
    names = {name: getattr(draft, name) for name in NAMES if getattr(draft, name) is not None}
    tags = tuple(dict.fromkeys((*contact.tags, *draft.tags)))
    return replace(contact, **names, tags=tags, fields={**contact.fields, **draft.fields})


def changed(contact: Contact, changes: dict[str, Any], now: str) -> Contact:
    """``contact`` after a PATCH: names, address, tags and status replaced; fields merged, a
    field set to None removed."""
    simple = {k: v for k, v in changes.items() if k in (*NAMES, "email", "status")}
    if "tags" in changes:
        simple["tags"] = tuple(changes["tags"])
    fields = dict(contact.fields)
    for name, value in (changes.get("fields") or {}).items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    return replace(contact, **simple, fields=fields, updated_at=now)


def changed_names(before: Contact, after: Contact) -> list[str]:
    """The attributes a change touched (the ``contact.updated`` event lists them)."""
    keys = (*NAMES, "email", "status", "tags", "fields")
    return [k for k in keys if getattr(before, k) != getattr(after, k)]
