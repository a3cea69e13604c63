"""Contacts: the people a tenant writes to (unique per tenant by normalised address, with a
status, tags, typed custom fields and a time zone), lists of them, and each person's export
and erasure. Other features may use what is listed here (loaded on first use)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.contacts.ports import ContactDirectory
    from chalicelib.contacts.rules.checks import check_draft
    from chalicelib.contacts.rules.contacts import (
        STATUSES,
        Contact,
        ContactDraft,
        UpsertOutcome,
    )
    from chalicelib.contacts.service.privacy import register_personal_data
    from chalicelib.contacts.wiring import directory
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "ContactDirectory": "chalicelib.contacts.ports",
            "check_draft": "chalicelib.contacts.rules.checks",
            "STATUSES": "chalicelib.contacts.rules.contacts",
            "Contact": "chalicelib.contacts.rules.contacts",
            "ContactDraft": "chalicelib.contacts.rules.contacts",
            "UpsertOutcome": "chalicelib.contacts.rules.contacts",
            "register_personal_data": "chalicelib.contacts.service.privacy",
            "directory": "chalicelib.contacts.wiring",
        },
    )

__all__ = [
    "STATUSES",
    "Contact",
    "ContactDirectory",
    "ContactDraft",
    "UpsertOutcome",
    "check_draft",
    "directory",
    "register_personal_data",
]
