"""Builds the contacts feature's adapters and port bundle lazily (cached, typed, overridable
by name), and the adapter of sending's hashed suppression for erasures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.clock import system_clock
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.contacts.ports import (
        ContactDirectory,
        ContactStore,
        ErasedSuppressions,
        ListStore,
    )
    from chalicelib.contacts.service.contacts import ContactPorts


class SendingErasedSuppressions:
    """``ErasedSuppressions`` through sending's public surface, looked up when an erasure
    runs. ``sending.suppress_erased`` comes with issue 12's sending branch; until it is there
    an erasure stops here, before anything is removed: a contact is never erased without the
    hashed suppression that keeps the person from being mailed again."""

    def suppress_erased(self, tenant_id: str, address: str, at: str) -> None:
        from chalicelib import sending

        suppress = getattr(sending, "suppress_erased", None)
        if suppress is None:
            raise RuntimeError("sending.suppress_erased is not available; nothing was erased")
        suppress(tenant_id, address, at)


@provider("contacts.store")
def store() -> ContactStore:
    from chalicelib.contacts.store import CONTACTS, DynamoContactStore

    return DynamoContactStore(CONTACTS.bind())


@provider("contacts.lists")
def lists() -> ListStore:
    from chalicelib.contacts.list_store import LISTS, DynamoListStore

    return DynamoListStore(LISTS.bind())


@provider("contacts.erased_suppressions")
def erased_suppressions() -> ErasedSuppressions:
    return SendingErasedSuppressions()


@provider("contacts.ports")
def ports() -> ContactPorts:
    from chalicelib.contacts.service.contacts import ContactPorts

    return ContactPorts(
        contacts=store(), lists=lists(), clock=system_clock(), suppressions=erased_suppressions()
    )


@provider("contacts.directory")
def directory() -> ContactDirectory:
    """What other features use of contacts."""
    from chalicelib.contacts.service.directory import Directory

    return Directory(ports())
