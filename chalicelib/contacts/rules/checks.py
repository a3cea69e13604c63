"""Checking what a client or an import row says about a contact, each problem a 422 naming its
field: the address (email-validator, then ``sending.normalise``), the IANA time zone
(zoneinfo), names, tags, and custom field values against the tenant's declared types
(``fields.<name>``). ``check_draft`` runs them all and returns the draft as it is stored."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import UnprocessableEntity

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from chalicelib.contacts.rules.contacts import ContactDraft, FieldValue

FIELD_TYPES = ("string", "number", "date")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
BUILT_IN = frozenset(
    {
        "id",
        "contact_id",
        "email",
        "first_name",
        "last_name",
        "company",
        "time_zone",
        "status",
        "tags",
        "fields",
        "lists",
        "created_at",
        "updated_at",
    }
)
MAX_TEXT = 200
MAX_FIELD_TEXT = 1000
MAX_TAGS = 50
MAX_TAG = 100
MAX_LISTS = 20
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class FieldDef:
    """A custom field a tenant declared: its name and type (string, number or date)."""

    name: str
    type: str
    created_at: str

    def to_public(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "created_at": self.created_at}


def _refuse(field: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(f"{field}: {message}", {"field": field})


def check_email(value: str) -> str:
    """The address as stored: valid by email-validator (the check ``http.validation``
    applies to every address the API takes; rules may not import ``http``), then normalised
    as sending compares addresses."""
    from email_validator import EmailNotValidError, validate_email

    from chalicelib import sending

    if any(ord(ch) < 32 for ch in value) or len(value) > 254:
        raise _refuse("email", "not a valid email address")
    try:
        found = validate_email(value.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise _refuse("email", f"not a valid email address: {exc}") from exc
    return sending.normalise(found.normalized)


def check_time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = value
    if len(name) > 64 or not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        raise _refuse("time_zone", f"unknown time zone {value[:64]!r}")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise _refuse("time_zone", f"unknown time zone {name!r}") from exc
    return name


def check_text(field: str, value: str | None, most: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise _refuse(field, "must not contain control characters such as CR or LF")
    if len(text) > most:
        raise _refuse(field, f"at most {most} characters")
    return text or None


def check_tags(tags: Iterable[str]) -> tuple[str, ...]:
    found: list[str] = []
    for tag in tags:
        text = check_text("tags", tag, MAX_TAG)
        if text is None:
            raise _refuse("tags", "a tag may not be blank")
        found.append(text)
    if len(set(found)) > MAX_TAGS:
        raise _refuse("tags", f"at most {MAX_TAGS} tags")
    return tuple(dict.fromkeys(found))


def check_field_name(name: str) -> str:
    if not FIELD_NAME.fullmatch(name):
        raise _refuse("name", "a field name is a-z, 0-9 and _, starting with a letter (1-40)")
    if name in BUILT_IN:
        raise _refuse("name", f"{name} is a built-in contact attribute")
    return name


def check_field_type(kind: str) -> str:
    if kind not in FIELD_TYPES:
        raise _refuse("type", f"must be one of {', '.join(FIELD_TYPES)}")
    return kind


def check_fields(
    values: Mapping[str, Any], types: Mapping[str, str], from_text: bool = False
) -> dict[str, FieldValue]:
    """Every value checked against its declared type; an undeclared field or a value of the
    wrong type is a 422 naming ``fields.<name>``. ``from_text``: values read from a CSV, so a
    number may come as text (``"12.5"``)."""
    checked: dict[str, FieldValue] = {}
    for name, value in values.items():
        kind = types.get(name)
        if kind is None:
            raise _refuse(f"fields.{name}"[:60], "no such custom field (declare it first)")
        checked[name] = _typed(f"fields.{name}", kind, value, from_text)
    return checked


def _typed(field: str, kind: str, value: Any, from_text: bool) -> FieldValue:
    if kind == "number":
        return _number(field, value, from_text)
    if not isinstance(value, str):
        raise _refuse(field, f"a {kind} field takes a string")
    if kind == "date":
        if not _DATE.fullmatch(value.strip()):
            raise _refuse(field, "a date field takes YYYY-MM-DD")
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError as exc:
            raise _refuse(field, "not a calendar date") from exc
    text = check_text(field, value, MAX_FIELD_TEXT)
    return text if text is not None else ""


def _number(field: str, value: Any, from_text: bool) -> int | float:
    if from_text and isinstance(value, str):
        try:
            value = float(value.strip()) if "." in value or "e" in value.lower() else int(value)
        except ValueError as exc:
            raise _refuse(field, "a number field takes a number") from exc
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(field, "a number field takes a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _refuse(field, "a number field takes a finite number")
    return value


def check_draft(
    draft: ContactDraft, types: Mapping[str, str], from_text: bool = False
) -> ContactDraft:
    """``draft`` as it is stored: address normalised, names trimmed, time zone known, tags
    unique, fields typed. The first problem is a 422 naming its field."""
    if len(draft.lists) > MAX_LISTS:
        raise _refuse("lists", f"at most {MAX_LISTS} lists at once")
    zone = draft.time_zone.strip(" ") if draft.time_zone else None
    return replace(
        draft,
        email=check_email(draft.email),
        first_name=check_text("first_name", draft.first_name),
        last_name=check_text("last_name", draft.last_name),
        company=check_text("company", draft.company),
        time_zone=check_time_zone(zone) if zone else None,
        tags=check_tags(draft.tags),
        fields=check_fields(draft.fields, types, from_text),
        lists=tuple(dict.fromkeys(draft.lists)),
    )
