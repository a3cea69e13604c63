"""A report's filters, checked before any SQL is built: the day range (``from`` and ``to``
as ``YYYY-MM-DD``, ``from`` not after ``to``, at most 400 days) and the optional record ids,
each held to its id format (``cmp_…``, ``mbx_…``, ``dom_…``), so a value that is anything
but an id (SQL included) is refused with a 422 naming its field and never reaches a query."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import UnprocessableEntity

if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_DAYS = 400
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TENANT_ID = re.compile(r"^ten_[a-z2-7]{12,40}$")
# every id filter -> its format: the type prefix and the lower-case base32 body of core.ids
ID_FORMATS = {
    "campaign_id": re.compile(r"^cmp_[a-z2-7]{12,40}$"),
    "mailbox_id": re.compile(r"^mbx_[a-z2-7]{12,40}$"),
    "domain_id": re.compile(r"^dom_[a-z2-7]{12,40}$"),
}
FIELDS = ("from", "to", *ID_FORMATS)


@dataclass(frozen=True)
class ReportFilters:
    """Checked filters: days as ``YYYY-MM-DD``, ids as given (None: not filtered)."""

    first: str
    last: str
    campaign_id: str | None = None
    mailbox_id: str | None = None
    domain_id: str | None = None

    def ids(self) -> dict[str, str]:
        """The id filters that are set, by column."""
        found = {k: v for k, v in asdict(self).items() if k in ID_FORMATS and v is not None}
        return {k: str(v) for k, v in found.items()}

    def to_public(self) -> dict[str, str]:
        return {"from": self.first, "to": self.last, **self.ids()}


def _refuse(name: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(message, {"field": f"filters.{name}"})


def _day(raw: Mapping[str, Any], name: str) -> dt.date:
    value = raw.get(name)
    if not isinstance(value, str) or not DAY.fullmatch(value):
        raise _refuse(name, f"{name} must be a day as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _refuse(name, f"{name} is not a calendar day") from exc


def _record_id(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not ID_FORMATS[name].fullmatch(value):
        prefix = ID_FORMATS[name].pattern[1:5]
        raise _refuse(name, f"{name} must be an id of the form {prefix}…")
    return value


def parse_filters(raw: Mapping[str, Any]) -> ReportFilters:
    """Checked filters, or a 422 naming the first field that breaks a rule."""
    for name in raw:
        if name not in FIELDS:
            raise _refuse(str(name), f"unknown filter {name!r}; filters are {', '.join(FIELDS)}")
    first, last = _day(raw, "from"), _day(raw, "to")
    if first > last:
        raise _refuse("from", "from must not be after to")
    if (last - first).days + 1 > MAX_DAYS:
        raise _refuse("to", f"a report covers at most {MAX_DAYS} days")
    ids = {name: _record_id(raw, name) for name in ID_FORMATS}
    return ReportFilters(first.isoformat(), last.isoformat(), **ids)


def stored_filters(data: Mapping[str, Any]) -> ReportFilters:
    """Filters read back from a stored job (they were checked when the job was created)."""
    return parse_filters(data)


def check_tenant(tenant_id: str) -> str:
    """A tenant id as ``core.ids`` makes them; anything else can never be a predicate."""
    if not TENANT_ID.fullmatch(tenant_id):
        raise ValueError(f"not a tenant id: {tenant_id!r}")
    return tenant_id
