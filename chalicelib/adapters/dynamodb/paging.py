"""One page of a tenant's items, in sort-key order, with an exact ``next_token``.

Asks for ``limit + 1`` items so a token is issued only when another item really exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.pagination import Page, decode_token, encode_token


def query_page(
    model: Any,
    tenant_id: str,
    sort_attr: str,
    limit: int,
    token: str | None,
    convert: Callable[[Any], Any],
    newest_first: bool,
    prefix: str | None = None,
) -> Page:
    position = decode_token(token, {sort_attr})
    start = (
        {"tenant_id": {"S": tenant_id}, sort_attr: {"S": position[sort_attr]}} if position else None
    )
    condition = getattr(model, sort_attr).startswith(prefix) if prefix else None
    results = model.query(
        tenant_id,
        condition,
        scan_index_forward=not newest_first,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start,
        consistent_read=True,
    )
    items = list(results)
    more = len(items) > limit
    items = items[:limit]
    next_token = encode_token({sort_attr: getattr(items[-1], sort_attr)}) if more else None
    return Page([convert(i) for i in items], next_token)
