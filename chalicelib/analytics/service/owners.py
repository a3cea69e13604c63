"""Who owns the ids the analytics routes are asked about. The analytics feature sits below
campaigns, mailboxes and domains (they count through it), so it cannot import them: the app
registers, per kind, a check ``exists(tenant_id, id)`` (``register_owner``), and a route
asked about an id its tenant does not have answers 404, as for any missing resource. A kind
whose check was never registered is owned by no one (404), never by everyone."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from chalicelib.core import ids
from chalicelib.core.errors import BadRequest, NotFound

if TYPE_CHECKING:
    from collections.abc import Callable

PREFIXES = {"campaign": "cmp", "mailbox": "mbx", "domain": "dom"}
_checks: dict[str, Callable[[str, str], bool]] = {}
_lock = threading.Lock()


def register_owner(kind: str, exists: Callable[[str, str], bool]) -> None:
    """Declare how to tell whether a tenant has a ``campaign``, ``mailbox`` or ``domain``."""
    if kind not in PREFIXES:
        raise ValueError(f"owners are registered for {sorted(PREFIXES)}, not {kind!r}")
    with _lock:
        _checks[kind] = exists


def require_owned(tenant_id: str, kind: str, ident: str, field: str) -> None:
    """BadRequest for an id of the wrong shape, NotFound for one the tenant does not have."""
    if not ids.is_well_formed(ident, PREFIXES[kind]):
        raise BadRequest(f"{field} is not a {kind} id", {"field": field})
    check = _checks.get(kind)
    if check is None or not check(tenant_id, ident):  # no check registered: owned by no one
        raise NotFound(f"{kind} not found", {"field": field})
