"""Suppression lists: addresses a tenant (or the whole platform) must never mail again.

Scopes (PRODUCT.md "Sending rules"): ``tenant`` (the default) and ``global``
(platform-wide, operator-managed). Entries record the reason, the source (``bounce``,
``complaint``, ``unsubscribe``, ``manual``), the time and who. Addresses are compared in
lower case: providers treat local parts case-insensitively in practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GLOBAL_SCOPE = "_global"
SOURCES = ("bounce", "complaint", "unsubscribe", "manual")


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
