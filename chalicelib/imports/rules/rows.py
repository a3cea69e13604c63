"""One CSV record -> a contact draft, or a rejection with its reason.

Reasons: ``missing_column`` (no column maps to email), ``missing_email`` (the cell is
empty), ``invalid_address``, ``bad_time_zone`` (not an IANA name), ``bad_field_value`` (a
value too long, a custom field's value not of its declared type), ``duplicate`` (the
address was accepted on an earlier line of the same file) and ``suppressed`` (decided when
the row's chunk is imported, not here). Text is trimmed and its runs of whitespace (quoted
newlines included) become one space; an empty cell sets nothing."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from chalicelib import sending
from chalicelib.imports.rules.mapping import BUILTINS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from chalicelib.imports.rules.csvfile import Record
    from chalicelib.imports.rules.mapping import ColumnMap

REASONS = (
    "invalid_address",
    "duplicate",
    "suppressed",
    "missing_column",
    "missing_email",
    "bad_time_zone",
    "bad_field_value",
)
TEXT_LIMIT = 200
FIELD_LIMIT = 1000
TAG_LIMIT, TAGS_MOST = 64, 50
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TAG_SPLIT = re.compile(r"[,;|]")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"^{_ATOM}(\.{_ATOM})*$")

FieldValue = str | int | float


@dataclass(frozen=True)
class Draft:
    """What a row becomes; the same fields as ``contacts.ContactDraft``."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    time_zone: str | None = None
    tags: tuple[str, ...] = ()
    fields: dict[str, FieldValue] = field(default_factory=dict)
    lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    line: int
    cells: tuple[str, ...]
    draft: Draft | None = None
    reason: str | None = None  # one of REASONS when the row is rejected
    detail: str = ""


class Refused(ValueError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@cache
def _zones() -> dict[str, str]:
    from zoneinfo import available_timezones

    return {name.lower(): name for name in available_timezones()}


def time_zone(value: str) -> str:
    found = _zones().get(value.strip().lower())
    if found is None:
        raise Refused("bad_time_zone", f"{value[:60]!r} is not an IANA time zone")
    return found


def address(value: str) -> str:
    valid, found = _checked(value)
    if not valid:
        raise Refused("invalid_address", f"{value[:100]!r}: {found}")
    return found


def _checked(value: str) -> tuple[bool, str]:
    """(valid, the normalised address or why not). A plain ASCII local part is checked here
    and its domain once per domain (the domain is most of email-validator's cost, and a
    file's addresses share few of them); anything else goes through email-validator whole."""
    local, at, domain = value.rpartition("@")
    if at and len(value) <= 254 and len(local) <= 64 and _DOT_ATOM.match(local):
        valid, found = _domain(domain)
        return (True, sending.normalise(f"{local}@{found}")) if valid else (False, found)
    return _validated(value)


@lru_cache(maxsize=65536)
def _domain(domain: str) -> tuple[bool, str]:
    valid, found = _validated("postmaster@" + domain)
    return (True, found.rpartition("@")[2]) if valid else (False, found)


@lru_cache(maxsize=4096)  # a file of one address repeated checks it once
def _validated(value: str) -> tuple[bool, str]:
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        return False, str(exc)
    return True, sending.normalise(valid.normalized)


def text(name: str, value: str, limit: int = TEXT_LIMIT) -> str | None:
    plain = " ".join(value.split())
    if len(plain) > limit:
        raise Refused("bad_field_value", f"{name} is over {limit} characters")
    return plain or None


def tags(value: str) -> tuple[str, ...]:
    found = dict.fromkeys(t for t in (" ".join(p.split()) for p in _TAG_SPLIT.split(value)) if t)
    if len(found) > TAGS_MOST or any(len(t) > TAG_LIMIT for t in found):
        raise Refused("bad_field_value", f"tags: at most {TAGS_MOST} of {TAG_LIMIT} characters")
    return tuple(found)


def custom(name: str, kind: str, value: str) -> FieldValue:
    raw = value.strip()
    if kind == "number":
        if not _NUMBER.match(raw):
            raise Refused("bad_field_value", f"{name}: {raw[:40]!r} is not a number")
        number = float(raw)
        if not math.isfinite(number):
            raise Refused("bad_field_value", f"{name}: {raw[:40]!r} is not a finite number")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "date":
        return _date(name, raw)
    plain = text(name, raw, FIELD_LIMIT)
    return plain or ""


def _date(name: str, raw: str) -> str:
    try:
        if _DATE.match(raw):
            return date.fromisoformat(raw).isoformat()
    except ValueError:
        pass
    raise Refused("bad_field_value", f"{name}: {raw[:40]!r} is not a date (YYYY-MM-DD)")


def draft(
    cells: tuple[str, ...],
    columns: ColumnMap,
    field_types: Mapping[str, str],
    lists: tuple[str, ...],
) -> Draft:
    """The draft of one record's cells (raises ``Refused``)."""
    values = {t: cells[i] for i, t in columns.targets.items() if i < len(cells) and cells[i]}
    email = values.get("email", "").strip()
    if not email:
        raise Refused("missing_email", "the email cell is empty")
    zone = values.get("time_zone", "").strip()
    return Draft(
        email=address(email),
        first_name=text("first_name", values.get("first_name", "")),
        last_name=text("last_name", values.get("last_name", "")),
        company=text("company", values.get("company", "")),
        time_zone=time_zone(zone) if zone else None,
        tags=tags(values.get("tags", "")),
        fields={
            target: custom(target, field_types.get(target, "string"), value)
            for target, value in values.items()
            if target not in BUILTINS and value.strip()
        },
        lists=lists,
    )


def screen(
    records: Iterable[Record],
    columns: ColumnMap,
    field_types: Mapping[str, str],
    lists: tuple[str, ...] = (),
) -> list[Row]:
    """Every record as a row: a draft, or a rejection; an address accepted on an earlier
    line makes the later ones ``duplicate``."""
    seen: set[str] = set()
    rows: list[Row] = []
    for record in records:
        if not columns.has_email:
            rows.append(Row(record.line, record.cells, None, "missing_column", "no email column"))
            continue
        try:
            made = draft(record.cells, columns, field_types, lists)
        except Refused as refused:
            rows.append(Row(record.line, record.cells, None, refused.reason, refused.detail))
            continue
        if made.email in seen:
            rows.append(Row(record.line, record.cells, None, "duplicate", made.email))
            continue
        seen.add(made.email)
        rows.append(Row(record.line, record.cells, made))
    return rows
