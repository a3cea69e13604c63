"""API keys: how they look, how they are hashed and found, and who may use what.

A key is ``pm_live_<tenant body>_<secret>``: the secret is 32 random bytes in base64url.
Only the SHA-256 of the whole key is stored. The key id is derived from that hash, so the
tenant part and the hash give the storage key directly: one GetItem, no scan. The secret
has 256 bits of entropy, so a fast hash is enough (no password stretching needed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

KEY_PREFIX = "pm_live_"
SCOPES = ("full", "send")
_KEY_PATTERN = re.compile(r"^pm_live_([a-z2-7]{20})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class ApiKey:
    tenant_id: str
    key_id: str
    name: str
    scope: str
    key_hash: str
    created_at: str
    revoked_at: str | None = None
    prefix: str = ""

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.key_id,
            "name": self.name,
            "scope": self.scope,
            "prefix": self.prefix,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "status": "active" if self.active else "revoked",
        }


@dataclass(frozen=True)
class ParsedKey:
    tenant_id: str
    key_id: str
    key_hash: str


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def key_id_for_hash(key_hash: str) -> str:
    return "key_" + base64.b32encode(bytes.fromhex(key_hash)[:15]).decode("ascii").lower()


def parse_key(token: str) -> ParsedKey | None:
    """The storage coordinates of a presented key, or None when it cannot be ours."""
    match = _KEY_PATTERN.match(token)
    if not match:
        return None
    key_hash = hash_key(token)
    return ParsedKey("ten_" + match.group(1), key_id_for_hash(key_hash), key_hash)


def mint_key(tenant_id: str, name: str, scope: str, now: str) -> tuple[str, ApiKey]:
    """A new key: the clear token (shown once) and the record to store."""
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
    token = f"{KEY_PREFIX}{tenant_id.removeprefix('ten_')}_{secret}"
    key_hash = hash_key(token)
    record = ApiKey(
        tenant_id=tenant_id,
        key_id=key_id_for_hash(key_hash),
        name=name,
        scope=scope,
        key_hash=key_hash,
        created_at=now,
        prefix=token[: len(KEY_PREFIX) + 8],
    )
    return token, record


def matches(record: ApiKey, presented_hash: str) -> bool:
    return hmac.compare_digest(record.key_hash, presented_hash)


def scope_allows(scope: str, required: str) -> bool:
    """``full`` may do everything; ``send`` only what is marked for sending."""
    return scope == "full" or required == "send"
