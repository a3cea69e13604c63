"""Every contact and list of a tenant, page by page, as their public records: what a tenant
export (the imports feature's archive) holds of contacts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.contacts.rules.filters import ContactFilter
from chalicelib.core.pagination import every_item

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chalicelib.contacts.service.contacts import ContactPorts

PAGE = 100


def all_contacts(ports: ContactPorts, tenant_id: str) -> Iterator[dict[str, Any]]:
    every = every_item(lambda token: ports.contacts.page(tenant_id, ContactFilter(), PAGE, token))
    return (contact.to_public() for contact in every)


def all_lists(ports: ContactPorts, tenant_id: str) -> Iterator[dict[str, Any]]:
    every = every_item(lambda token: ports.lists.lists_page(tenant_id, PAGE, token))
    return (found.to_public() for found in every)
