"""The filters of the contacts listing (``list_id``, ``tag``, ``status``, ``created_after``
inclusive, ``created_before`` exclusive), read from the query string with each bad value a
400 naming its parameter, and the one test of a contact against them that the twin and the
list-filtered path share (the DynamoDB store says the same in a FilterExpression)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib.contacts.rules.contacts import STATUSES
from chalicelib.core import ids
from chalicelib.core.clock import iso
from chalicelib.core.errors import BadRequest

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.contacts.rules.contacts import Contact

NAMES = ("list_id", "tag", "status", "created_after", "created_before")


@dataclass(frozen=True)
class ContactFilter:
    list_id: str | None = None
    tag: str | None = None
    status: str | None = None
    created_after: str | None = None  # inclusive, as stored: ``…T…Z`` with milliseconds
    created_before: str | None = None  # exclusive

    def matches(self, contact: Contact) -> bool:
        return (
            (self.tag is None or self.tag in contact.tags)
            and (self.status is None or contact.status == self.status)
            and (self.created_after is None or contact.created_at >= self.created_after)
            and (self.created_before is None or contact.created_at < self.created_before)
        )


def _moment(name: str, raw: str) -> str:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{name} must be an ISO 8601 date or time", {"field": name}) from exc
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def parse_filters(query: Mapping[str, str]) -> ContactFilter:
    found = {name: query[name] for name in NAMES if query.get(name)}
    for name, value in found.items():
        if len(value) > 100 or any(ord(ch) < 32 for ch in value):
            raise BadRequest(f"{name} is not a valid value", {"field": name})
    if "status" in found and found["status"] not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}", {"field": "status"})
    if "list_id" in found and not ids.is_well_formed(found["list_id"], "lst"):
        raise BadRequest("list_id is not a list id", {"field": "list_id"})
    for name in ("created_after", "created_before"):
        if name in found:
            found[name] = _moment(name, found[name])
    return ContactFilter(**found)
