"""What the port contract tests (``test_*_contract.py``) share: one parametrisation that gives
a test the in-memory twin of a port and then its real adapter (built by the feature's wiring
provider inside the moto stack), so the same test body holds both to the same behaviour; and
small helpers (fresh tenants, walking every page of a listing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from chalicelib.core import ids
from chalicelib.core.pagination import Page
from chalicelib.core.tenancy import TenantContext, system_context

T = TypeVar("T")

TWINS = ["fake", "real"]


def twin(request: pytest.FixtureRequest, fake: Callable[[], T], real: Callable[[], T]) -> T:
    """The fake for the ``fake`` param; for ``real``, the adapter ``real()`` builds once the
    ``aws`` fixture has deployed the stack into moto and reset the wiring."""
    if request.param == "fake":
        return fake()
    request.getfixturevalue("aws")
    return real()


def new_tenant() -> TenantContext:
    """A context for a tenant nobody used before: the real tables are shared by the tier."""
    return system_context(ids.new_id("ten"), "business")


def walk(read: Callable[[str | None], Page[T]], most: int = 50) -> list[Page[T]]:
    """Every page of a listing, from the first to the one without ``next_token``."""
    pages = [read(None)]
    while pages[-1].next_token is not None:
        assert len(pages) < most, "the listing never ended"
        pages.append(read(pages[-1].next_token))
    return pages


def refused(call: Callable[[], Any]) -> bool:
    """Whether ``call`` raised: for writes the port refuses without promising an error type
    (the real adapter raises its SDK's error, the twin ``ConditionFailed``)."""
    try:
        call()
    except Exception:  # noqa: BLE001 - any refusal will do; what is stored is checked after
        return True
    return False
