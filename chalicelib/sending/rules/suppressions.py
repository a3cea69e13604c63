"""Suppression lists: addresses a tenant (or the whole platform) must never mail again.

Scopes (PRODUCT.md "Sending rules"): ``tenant`` (the default) and ``global``
(platform-wide, operator-managed). Entries record the reason, the source (``bounce``,
``complaint``, ``unsubscribe``, ``manual``, ``erasure``), the time and who. Addresses are
compared in lower case: providers treat local parts case-insensitively in practice.

An erased person's address (PRODUCT.md "Privacy and retention") is kept only as its hash
(``hashed``: ``sha256#`` and the hex SHA-256 of a versioned label and the normalised
address), so the person is never mailed again and the address is no longer held in clear.
No platform pepper exists in the settings or secrets, so the hash is unpeppered: it hides
the address from a reader of the table, not from someone who guesses it and hashes the
guess (a pepper from the secret store would need a key that never rotates, or a re-hash of
every entry when it does). A hashed key holds no ``@``, so it can never be a real address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

GLOBAL_SCOPE = "_global"
SOURCES = ("bounce", "complaint", "unsubscribe", "manual", "erasure")
HASHED_PREFIX = "sha256#"


@dataclass(frozen=True)
class Suppression:
    address: str
    scope: str  # tenant | global
    reason: str
    source: str
    created_at: str
    actor: str

    def to_public(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "scope": self.scope,
            "reason": self.reason,
            "source": self.source,
            "created_at": self.created_at,
            "actor": self.actor,
        }


def normalise(address: str) -> str:
    return address.strip().lower()


def hashed(address: str) -> str:
    """The key an erased address is kept under: its hash, never the address."""
    digest = hashlib.sha256(f"penguinmails-suppression-v1:{normalise(address)}".encode())
    return HASHED_PREFIX + digest.hexdigest()


def keys_of(address: str) -> tuple[str, str]:
    """Both keys an address can be suppressed under: in clear, and hashed (erased)."""
    return normalise(address), hashed(address)


def scopes(wanted: set[tuple[str, str]], hits: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """For (tenant id, normalised address) pairs, the scope each is suppressed in, given the
    stored (owner, key) ``hits``: the global list first, either key."""
    found: dict[tuple[str, str], str] = {}
    for tenant_id, address in wanted:
        keys = keys_of(address)
        if any((GLOBAL_SCOPE, k) in hits for k in keys):
            found[(tenant_id, address)] = "global"
        elif any((tenant_id, k) in hits for k in keys):
            found[(tenant_id, address)] = "tenant"
    return found
