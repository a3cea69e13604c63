"""Cursor pagination: opaque ``next_token`` values and the ``limit`` rule.

A token carries only the sort key to resume after; the partition key always comes from
the caller's tenant context, so a token can never reach another tenant's items.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from chalicelib.core.errors import BadRequest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


class Public(Protocol):
    def to_public(self) -> dict[str, Any]: ...


T = TypeVar("T")
P = TypeVar("P", bound=Public)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None

    def shaped(self, shape: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
        """The reply body: each item through ``shape``, and the token."""
        return {"items": [shape(i) for i in self.items], "next_token": self.next_token}


def every_item(read: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Every item of a cursor listing, page after page (``read(token)`` gives one page)."""
    token: str | None = None
    while True:
        page = read(token)
        yield from page.items
        token = page.next_token
        if token is None:
            return


def public_page(page: Page[P]) -> dict[str, Any]:
    """The reply body of a page of items that know their public form."""
    return page.shaped(lambda item: item.to_public())


def encode_token(position: dict[str, str] | None) -> str | None:
    if not position:
        return None
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_token(token: str | None, allowed_keys: set[str]) -> dict[str, str] | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise BadRequest(
            "next_token is not a token this API issued", {"field": "next_token"}
        ) from exc
    valid = (
        isinstance(position, dict)
        and set(position) <= allowed_keys
        and all(isinstance(v, str) and 0 < len(v) <= 200 for v in position.values())
    )
    if not valid or not position:
        raise BadRequest("next_token is not a token this API issued", {"field": "next_token"})
    return position


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(
            f"limit must be an integer from 1 to {MAX_LIMIT}", {"field": "limit", "value": raw[:20]}
        )
    return int(raw)
