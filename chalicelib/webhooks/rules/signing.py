"""Webhook signatures: ``PenguinMails-Signature: t=<unix>,v1=<hex>[,v1=<hex>]``, each ``v1``
an HMAC-SHA256 over ``<t>.<raw body>`` keyed by a secret's UTF-8 bytes (the whole
``whsec_…`` text). During a rotation both the new and the previous secret sign, so a receiver
holding either verifies. Secrets are ``whsec_`` and 32 random bytes, URL-safe base64."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.core.clock import iso, parse_iso

if TYPE_CHECKING:
    from collections.abc import Sequence

PREFIX = "whsec_"
ROTATION_OVERLAP = timedelta(hours=24)
TOLERANCE_SECONDS = 300  # how old a signature a receiver should accept (documented)


def new_secret() -> str:
    raw = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
    return PREFIX + raw


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(keys: Sequence[str], timestamp: int, body: bytes) -> str:
    """The header value: ``t`` and one ``v1`` per signing secret, the newest first."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(k, timestamp, body)}" for k in keys)])


def verify(header: str, body: bytes, secret: str, now: float) -> bool:
    """What a receiver does: any ``v1`` matches, and ``t`` is within the tolerance."""
    parts = [p.partition("=") for p in header.split(",")]
    stamps = [v for k, _, v in parts if k == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, v) for k, _, v in parts if k == "v1")


@dataclass(frozen=True)
class SigningKeys:
    """An endpoint's secrets: the current one and, for a day after a rotation, the previous."""

    current: str
    previous: str | None = None
    previous_until: str | None = None

    def active(self, now: datetime) -> list[str]:
        keys = [self.current]
        if self.previous and self.previous_until and now < parse_iso(self.previous_until):
            keys.append(self.previous)
        return keys

    def rotated(self, new: str, now: datetime) -> SigningKeys:
        return SigningKeys(new, self.current, iso(now + ROTATION_OVERLAP))

    def to_json(self) -> dict[str, str | None]:
        return {
            "current": self.current,
            "previous": self.previous,
            "previous_until": self.previous_until,
        }

    @staticmethod
    def from_json(data: dict[str, str | None]) -> SigningKeys:
        current = data.get("current")
        if not current:
            raise ValueError("signing keys without a current secret")
        return SigningKeys(current, data.get("previous"), data.get("previous_until"))
