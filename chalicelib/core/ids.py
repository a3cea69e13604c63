"""Identifiers: a type prefix and a random, lower-case base32 body (``ten_…``, ``key_…``).

Time-ordered ids (``new_sortable_id``) lead with the creation time in milliseconds so they
sort by age as plain strings. Derived ids (``derived_id``) are the same shape, made from a
seed by SHA-256, so whoever knows the seed makes the same id again (idempotent creates).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time

_BODY_LENGTH = 20
_ID_PATTERN = re.compile(r"^[a-z]{2,4}_[a-z2-7]{12,40}$")


def _random_body(length: int = _BODY_LENGTH) -> str:
    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii").lower().rstrip("=")
    return raw[:length]


def new_id(prefix: str) -> str:
    return f"{prefix}_{_random_body()}"


def new_sortable_id(prefix: str, now_ms: int | None = None) -> str:
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    stamp = base64.b32encode(millis.to_bytes(6, "big")).decode("ascii").lower().rstrip("=")
    return f"{prefix}_{stamp}{_random_body(12)}"


def derived_id(prefix: str, seed: str) -> str:
    """``prefix_`` and a body derived from ``seed``: the same seed, the same id."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    body = base64.b32encode(digest).decode("ascii").lower().rstrip("=")
    return f"{prefix}_{body[:_BODY_LENGTH]}"


def is_well_formed(value: str, prefix: str) -> bool:
    """Cheap shape check so obviously foreign ids never reach storage."""
    return bool(_ID_PATTERN.match(value)) and value.startswith(prefix + "_")
