"""Contact lists: a named set of a tenant's contacts (a contact may be on many lists); a
campaign enrols a whole list."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.core import ids


@dataclass(frozen=True)
class ContactList:
    tenant_id: str
    list_id: str
    name: str
    description: str | None
    created_at: str
    updated_at: str

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.list_id,
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def new_list(tenant_id: str, name: str, description: str | None, now: str) -> ContactList:
    return ContactList(tenant_id, ids.new_sortable_id("lst"), name, description, now, now)


def changed(found: ContactList, changes: dict[str, Any], now: str) -> ContactList:
    allowed = {k: v for k, v in changes.items() if k in ("name", "description")}
    return replace(found, **allowed, updated_at=now)
