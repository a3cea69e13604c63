"""DynamoDB item answers written straight to JSON in the emulator.

moto 5.2 writes every answer through its generic serializer, which walks the operation's
output shape member by member and looks each value up through attribute pickers. For
DynamoDB's item operations the answer is already the wire JSON (maps of attribute values,
counts, keys), so that walk only costs time: about 0.7 s of the emulator's one core for a
Query page of 100 messages, and it was the largest single cost of the local platform under
a 200-message batch (a test polling ``GET /v1/messages`` while the send worker ran).

Here the item operations' successful answers are the same JSON written with ``json.dumps``:
only the output shape's top-level members, ``None`` members left out, bytes (``B``/``BS``)
base64-encoded, as moto's serializer does. An answer holding anything else (an error, a
timestamp, a type this does not know) goes through moto's own serializer.
``tests/functional/core/test_emulator_dynamo_json.py`` holds the two to the same bodies.
Applied with ``moto_patches``; nothing deployed imports it.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
CONTENT_TYPE = "application/x-amz-json-1.0"
switch = {"on": True}  # the equivalence test compares both paths in one process


class _Unsupported(Exception):
    """A value the plain writer leaves to moto's serializer."""


def apply() -> None:
    from moto.dynamodb.responses import DynamoHandler

    if "serialized" in DynamoHandler.__dict__:
        return
    original = DynamoHandler.serialized

    def serialized(self: Any, action_result: Any) -> Any:
        body = _plain_body(self._get_action(), action_result) if switch["on"] else None
        if body is None:
            return original(self, action_result)
        headers = {"Content-Type": CONTENT_TYPE}
        headers.update(self.response_headers)
        return 200, headers, body

    DynamoHandler.serialized = serialized  # type: ignore[method-assign]


def _plain_body(action: str, action_result: Any) -> str | None:
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoResult

    result = action_result.result
    if action not in ITEM_OPERATIONS or type(action_result) not in (ActionResult, DynamoResult):
        return None
    if not isinstance(result, dict):
        return None
    members = _members(action)
    try:
        return json.dumps(
            {k: _plain(v) for k, v in result.items() if k in members and v is not None}
        )
    except _Unsupported:
        return None


@functools.cache
def _members(action: str) -> frozenset[str]:
    """The top-level members of an operation's answer (moto's results carry a few more)."""
    from moto.core.utils import get_service_model

    shape = get_service_model("dynamodb").operation_model(action).output_shape
    return frozenset(shape.members) if shape is not None else frozenset()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, str | bool | int | float):
        return value
    raise _Unsupported(type(value).__name__)
