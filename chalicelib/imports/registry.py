"""The kinds of record a tenant export gathers besides the built-in ones: a feature adds its
own with ``register_export_source("campaigns", records)``, where ``records(tenant_id)``
yields JSON-ready mappings. Registrations must run in the process that exports (the import
worker): make them where that process starts (``functions/import_worker.py``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_sources: dict[str, Callable[[str], Iterable[Mapping[str, Any]]]] = {}


def register_export_source(
    name: str, records: Callable[[str], Iterable[Mapping[str, Any]]]
) -> None:
    """Add (or replace) the records of kind ``name`` (``^[a-z][a-z0-9_]{0,39}$``; its file
    in the archive is ``<name>.jsonl``)."""
    if not _NAME.match(name):
        raise ValueError(f"export source name {name!r} must match {_NAME.pattern}")
    _sources[name] = records


def registered() -> dict[str, Callable[[str], Iterable[Mapping[str, Any]]]]:
    return dict(_sources)
