"""In-memory twins of the shared ports (clock, event publisher, secrets) and the paging every
store twin shares: cursor pages with the same tokens as ``chalicelib.aws.dynamodb``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from chalicelib.core.clock import iso
from chalicelib.core.pagination import Page, decode_token, encode_token

T = TypeVar("T")


class ConditionFailed(Exception):
    """What a twin raises where the real adapter's conditional write is refused with an SDK
    error (the port promises no domain error there, only that nothing is written)."""


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def now_iso(self) -> str:
        return iso(self.moment)

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


class FakeEvents:
    """An ``EventPublisher`` that keeps what it was given; ``fail`` makes it refuse."""

    def __init__(self, fail: bool = False) -> None:
        self.published: list[dict[str, Any]] = []
        self.fail = fail

    def publish(self, event: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionError("stream unavailable")
        self.published.append(event)

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.publish(event)

    def types(self) -> list[str]:
        return [e["type"] for e in self.published]


class FakeSecrets:
    """Both secret ports: the cached reader (``get``) and the store (``put``/``read``/
    ``delete``); a missing name is a ``KeyError``."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = values if values is not None else {}

    def get(self, name: str) -> str:
        return self.values[name]

    def put(self, name: str, value: str) -> None:
        self.values[name] = value

    def read(self, name: str) -> str:
        return self.values[name]

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def sorted_page(
    items: Iterable[T],
    sort_key: Callable[[T], str],
    token_key: str,
    limit: int,
    token: str | None,
    newest_first: bool = False,
) -> Page[T]:
    """One page of ``items`` in sort-key order, like ``aws.dynamodb.query_page``: the token
    holds ``{token_key: <sort key of the last item>}`` and is issued only when another item
    really follows (so the last page's ``next_token`` is None)."""
    position = decode_token(token, {token_key})
    ordered = _resumed(items, sort_key, position[token_key] if position else None, newest_first)
    chosen = ordered[:limit]
    more = len(ordered) > limit
    return Page(chosen, encode_token({token_key: sort_key(chosen[-1])}) if more else None)


def evaluated_page(
    items: Iterable[T],
    sort_key: Callable[[T], str],
    limit: int,
    token: str | None,
    keep: Callable[[T], bool] = lambda _: True,
    newest_first: bool = False,
) -> Page[T]:
    """One page the way a low-level Query with ``Limit`` reads it
    (``aws.dynamodb.query_tenant_page``): ``limit`` items are evaluated, then filtered by
    ``keep``, so a page can hold fewer items while ``next_token`` (``{"sk": <last evaluated>}``)
    is set; the token is issued when more items follow the evaluated ones."""
    position = decode_token(token, {"sk"})
    ordered = _resumed(items, sort_key, position["sk"] if position else None, newest_first)
    evaluated = ordered[:limit]
    more = len(ordered) > limit
    next_token = encode_token({"sk": sort_key(evaluated[-1])}) if more else None
    return Page([i for i in evaluated if keep(i)], next_token)


def _resumed(
    items: Iterable[T], sort_key: Callable[[T], str], after: str | None, newest_first: bool
) -> list[T]:
    """``items`` in sort-key order (descending when ``newest_first``), those up to and
    including ``after`` left out."""
    ordered = sorted(items, key=sort_key, reverse=newest_first)
    if after is None:
        return ordered
    if newest_first:
        return [i for i in ordered if sort_key(i) < after]
    return [i for i in ordered if sort_key(i) > after]
