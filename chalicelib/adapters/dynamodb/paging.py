"""One page of a tenant's items, in sort-key order, with an exact ``next_token``.

Asks for ``limit + 1`` items so a token is issued only when another item really exists.
The low-level twins (``query_tenant_page``, ``batch_get``) serve the adapters that talk to
the client directly for conditional writes.
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


def query_tenant_page(
    client: Any, request: dict[str, Any], tenant_id: str, token: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One low-level Query page of a tenant-led table keyed ``tenant_id`` + ``sk``: the raw
    items and the ``next_token`` for the page after (``request`` holds the key condition on
    ``:t``, filters and ``Limit``)."""
    start = decode_token(token, {"sk"})
    if start:
        request["ExclusiveStartKey"] = {"tenant_id": {"S": tenant_id}, "sk": {"S": start["sk"]}}
    reply = client.query(**request)
    last = reply.get("LastEvaluatedKey")
    return reply.get("Items", []), encode_token({"sk": last["sk"]["S"]}) if last else None


def batch_get(
    client: Any, table: str, keys: list[dict[str, Any]], tries: int = 8
) -> list[dict[str, Any]]:
    """Consistent reads of ``keys`` in BatchGetItem calls of 100, unprocessed keys retried."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 100):
        pending = {table: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
        for _ in range(tries):
            reply = client.batch_get_item(RequestItems=pending)
            found.extend(reply.get("Responses", {}).get(table, []))
            pending = reply.get("UnprocessedKeys") or {}
            if not pending:
                break
    return found
