"""Identifiers: a type prefix and a random, lower-case base32 body (``ten_…``, ``key_…``).

Time-ordered ids (``new_sortable_id``) lead with the creation time in milliseconds, in a
base32 alphabet whose digits are in ASCII order, so they sort by age as plain strings.
Within one process they are strictly increasing (a second id in the same millisecond takes
the previous random tail plus one, as ULIDs do), so lists in id order are in creation order
even for records made in the same millisecond. Derived ids (``derived_id``) are the same
shape, made from a seed by SHA-256, so whoever knows the seed makes the same id again
(idempotent creates).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time

_BODY_LENGTH = 20
_ID_PATTERN = re.compile(r"^[a-z]{2,4}_[a-z2-7]{12,40}$")


def _random_body(length: int = _BODY_LENGTH) -> str:
    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii").lower().rstrip("=")
    return raw[:length]


def new_id(prefix: str) -> str:
    return f"{prefix}_{_random_body()}"


_TAIL_BITS = 60  # 12 characters
_last = [0, 0]  # the last (millisecond, tail) this process handed out
_last_lock = threading.Lock()
# base32 digits in ASCII order ("2" < "a"), so a string sort is a sort by value; the standard
# alphabet puts "2"-"7" (values 26-31) before "a" (value 0) and does not sort
_SORTED_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def _sorted_base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_SORTED_ALPHABET[digit])
    return "".join(reversed(chars))


def new_sortable_id(prefix: str, now_ms: int | None = None) -> str:
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    tail = secrets.randbits(_TAIL_BITS - 1)  # headroom: increments never overflow in practice
    if now_ms is None:
        with _last_lock:
            if millis <= _last[0]:
                millis, tail = _last[0], _last[1] + 1
            _last[0], _last[1] = millis, tail
    return f"{prefix}_{_sorted_base32(millis, 10)}{_sorted_base32(tail, 12)}"


def derived_id(prefix: str, seed: str) -> str:
    """``prefix_`` and a body derived from ``seed``: the same seed, the same id."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    body = base64.b32encode(digest).decode("ascii").lower().rstrip("=")
    return f"{prefix}_{body[:_BODY_LENGTH]}"


def is_well_formed(value: str, prefix: str) -> bool:
    """Cheap shape check so obviously foreign ids never reach storage."""
    return bool(_ID_PATTERN.match(value)) and value.startswith(prefix + "_")
