"""Which column of a file fills which contact attribute.

A mapping given with the import (``{"E-Mail Adresse": "email", "Notes": null}``) wins for
the columns it names; every other column is inferred from common names (``email``,
``e-mail``, ``email address``; ``first name``, ``firstname``, ``given name``; ``last name``,
``surname``; ``company``, ``organisation``; ``time zone``, ``timezone``, ``tz``; ``tags``)
or, failing that, matched by name to one of the tenant's declared custom fields
(``Deal Size`` → ``deal_size``). Columns that map to nothing are ignored and reported; two
columns for one attribute keep the first and report the other."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

BUILTINS = ("email", "first_name", "last_name", "company", "time_zone", "tags")
_SYNONYMS = {
    "email": ("email", "e-mail", "email address", "e-mail address", "mail", "email_address"),
    "first_name": ("first name", "firstname", "given name", "first", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name", "last"),
    "company": ("company", "company name", "organisation", "organization", "org"),
    "time_zone": ("time zone", "timezone", "tz"),
    "tags": ("tags", "tag", "labels"),
}
_SPACES = re.compile(r"[\s_\-]+")
_NOT_NAME = re.compile(r"[^a-z0-9]+")


def _plain(name: str) -> str:
    return _SPACES.sub(" ", name.strip().lower()).strip()


def _snake(name: str) -> str:
    return _NOT_NAME.sub("_", name.strip().lower()).strip("_")


_KNOWN = {_plain(alias): target for target, aliases in _SYNONYMS.items() for alias in aliases}


@dataclass(frozen=True)
class ColumnMap:
    targets: dict[int, str]  # column index -> "email", another built-in, or a custom field
    ignored: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def has_email(self) -> bool:
        return "email" in self.targets.values()

    def named(self, header: Sequence[str]) -> dict[str, str]:
        """Column name -> attribute, as the job shows it."""
        return {header[i]: target for i, target in sorted(self.targets.items())}


def mapping_problems(
    explicit: Mapping[str, str | None], field_types: Mapping[str, str]
) -> dict[str, str]:
    """``mapping.<column>`` -> what is wrong with it: a target must be a built-in attribute or
    one of the tenant's declared custom fields."""
    return {
        f"mapping.{column}": f"{target!r} is neither a contact attribute "
        f"({', '.join(BUILTINS)}) nor a declared custom field"
        for column, target in explicit.items()
        if target is not None and target not in BUILTINS and target not in field_types
    }


def inferred(name: str, field_types: Mapping[str, str]) -> str | None:
    plain = _plain(name)
    if plain in _KNOWN:
        return _KNOWN[plain]
    snake = _snake(name)
    return snake if snake in field_types else None


def resolve(
    header: Sequence[str], explicit: Mapping[str, str | None], field_types: Mapping[str, str]
) -> ColumnMap:
    given = {_plain(column): target for column, target in explicit.items()}
    targets: dict[int, str] = {}
    ignored: list[str] = []
    notes: list[str] = []
    for index, name in enumerate(header):
        key = _plain(name)
        target = given[key] if key in given else inferred(name, field_types)
        if target is not None and target in targets.values():
            notes.append(f"column {name!r} also maps to {target}; the first such column is used")
            target = None
        if target is None:
            ignored.append(name or f"column {index + 1}")
        else:
            targets[index] = target
    missing = sorted(c for c in explicit if _plain(c) not in {_plain(h) for h in header})
    notes += [f"the mapping names column {c!r}, which the file does not have" for c in missing]
    return ColumnMap(targets, tuple(ignored), tuple(notes))
