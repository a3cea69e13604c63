"""A person's data (PRODUCT.md "Privacy and retention"): export everything held about a
contact, and erase it. Features that hold personal data about a contact (messages, stored
replies, …) register an exporter and an eraser here by name; the export gathers each under
its name, and the erasure calls every eraser, then leaves the address suppressed by its hash
(sending's ``suppress_erased``) so the person is never mailed again, and only then removes
the contact, its claim and memberships (a failure part-way leaves the contact in place, so
the erasure can be run again)."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from chalicelib.contacts.service import contacts as use

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.contacts.rules.contacts import Contact
    from chalicelib.contacts.service.contacts import ContactPorts

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_sources: dict[str, tuple[Callable[[str, Contact], Any], Callable[[str, Contact], int]]] = {}
_lock = threading.Lock()


def register_personal_data(
    name: str, export: Callable[[str, Contact], Any], erase: Callable[[str, Contact], int]
) -> None:
    """Declare a source of a contact's personal data: ``export(tenant_id, contact)`` returns
    what it holds (JSON-ready), ``erase(tenant_id, contact)`` removes it and says how many
    records went. Registering a name again replaces it."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"a personal data source is named [a-z][a-z0-9_]*, not {name!r}")
    with _lock:
        _sources[name] = (export, erase)


def registered() -> tuple[str, ...]:
    return tuple(sorted(_sources))


def export(ports: ContactPorts, tenant_id: str, contact_id: str) -> dict[str, Any]:
    contact = use.find(ports, tenant_id, contact_id)
    lists = [
        ports.lists.get_list(tenant_id, lst) for lst in ports.lists.lists_of(tenant_id, contact_id)
    ]
    return {
        "contact": contact.to_public(),
        "lists": [found.to_public() for found in lists if found is not None],
        "sources": {name: give(tenant_id, contact) for name, (give, _) in sorted(_sources.items())},
    }


def erase(ports: ContactPorts, tenant_id: str, contact_id: str) -> dict[str, int]:
    """How many records each source erased."""
    contact = use.find(ports, tenant_id, contact_id)
    counts = {name: int(take(tenant_id, contact)) for name, (_, take) in sorted(_sources.items())}
    now = ports.clock.now_iso()
    ports.suppressions.suppress_erased(tenant_id, contact.email, now)
    ports.lists.leave_all(tenant_id, contact.contact_id)
    ports.contacts.delete(contact, use.event("erased", contact, now))
    return counts
