"""Signed tracking tokens: what ``/t/o/{token}``, ``/t/c/{token}`` and ``/u/{token}`` carry,
and the ``X-PM-Warmup`` header of warm-up mail (kind ``warmup``: tenant and message, valid
for ``WARMUP_LIFETIME_SECONDS``).

A token is base64url, without padding, of a compact binary payload followed by its MAC:

    version   1 byte (1, or 2 when the token carries its send time)
    kind      1 byte (open=1, click=2, unsubscribe=3, warmup=4)
    key id    1 byte length + ASCII ([A-Za-z0-9_.-], 1-16 characters)
    tenant id 1 byte length + UTF-8 (1-255 bytes)
    message   1 byte length + UTF-8 (1-255 bytes)
    link      uint16 big-endian              (clicks only)
    url       uint16 length + UTF-8 (max 2000 bytes, http/https only; clicks only)
    sent      uint32 big-endian, Unix seconds  (version 2 only)
    expiry    uint32 big-endian, Unix seconds (valid while now < expiry)
    mac       HMAC-SHA256(secret of key id, all bytes above), first 16 bytes

``sent`` is when the email was built, which the worker does right before its SMTP
transaction: the tracking verdicts read it as the send time ("clicked within seconds of
sending"). Version 1 tokens (emails built before it existed) stay valid; their claims have
no send time and the verdict uses its other rules.

16 bytes (128 bits) of MAC is far beyond what an online forger can guess, and keeps the
token short in every link. The key id is inside the token, so keys rotate: a new ``current``
signs, older keys stay in ``TokenKeys`` until their tokens have expired. ``decode`` answers
None for anything wrong and never raises: tokens arrive from the public internet.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

VERSION = 1
VERSION_WITH_SENT = 2
KINDS = {"open": 1, "click": 2, "unsubscribe": 3, "warmup": 4}
WARMUP_LIFETIME_SECONDS = 14 * 86400  # a warm-up message is acted on within days
MAC_BYTES = 16
MAX_URL_BYTES = 2000
MIN_SECRET_BYTES = 32
_NAMES = {code: name for name, code in KINDS.items()}
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,16}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_SCHEME = re.compile(r"(?i)https?://[^/?#\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The largest payload the format allows, in base64 characters: anything longer is refused
# before decoding, so a huge path segment costs nothing.
_MAX_TOKEN_CHARS = (2 + 17 + 2 * 256 + 2 + 2 + MAX_URL_BYTES + 4 + 4 + MAC_BYTES) * 4 // 3 + 4


@dataclass(frozen=True)
class TokenClaims:
    """What a token says: which message (and link) it is for, until when, and when the email
    was built (None in version 1 tokens)."""

    kind: str
    tenant_id: str
    message_id: str
    expires_at: int
    link_index: int | None = None
    url: str | None = None
    sent_at: int | None = None


class TokenKeys:
    """The HMAC secrets by key id, and the id of the one that signs new tokens."""

    def __init__(self, secrets: Mapping[str, bytes], current: str) -> None:
        for key_id, secret in secrets.items():
            if not _KEY_ID.fullmatch(key_id):
                raise ValueError(f"tracking key id must match [A-Za-z0-9_.-]{{1,16}}: {key_id!r}")
            if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
                raise ValueError(f"tracking key {key_id} needs at least {MIN_SECRET_BYTES} bytes")
        if current not in secrets:
            raise ValueError(f"current tracking key {current!r} is not among the keys")
        self._secrets = dict(secrets)
        self.current = current

    def secret(self, key_id: str) -> bytes | None:
        return self._secrets.get(key_id)

    def __repr__(self) -> str:  # never show secrets in logs or tracebacks
        return f"TokenKeys(ids={sorted(self._secrets)}, current={self.current!r})"


def check_click_url(url: str) -> str:
    """``url`` unchanged if it may be signed: an absolute http(s) URL of at most 2000 bytes.

    The URL is signed exactly as given (no unquoting, no normalising), so what the redirect
    sends is byte for byte what the tenant wrote.
    """
    if not isinstance(url, str) or not _SCHEME.match(url):
        raise ValueError(f"only absolute http(s) URLs can be tracked: {str(url)[:80]!r}")
    if _CONTROL.search(url):
        raise ValueError(f"URL contains control characters: {url[:80]!r}")
    if len(url.encode("utf-8")) > MAX_URL_BYTES:
        raise ValueError(f"URL is over {MAX_URL_BYTES} bytes: {url[:80]!r}...")
    return url


def _short(field: str, value: str, limit: int = 255) -> bytes:
    data = value.encode("utf-8") if isinstance(value, str) else b""
    if not 1 <= len(data) <= limit:
        raise ValueError(f"{field} must be a string of 1-{limit} UTF-8 bytes")
    return bytes([len(data)]) + data


def _seconds(field: str, value: object) -> bytes:
    if not isinstance(value, int) or not 0 <= value < 2**32:
        raise ValueError(f"{field} must be Unix seconds that fit in 32 bits")
    return struct.pack(">I", value)


def _payload(claims: TokenClaims, key_id: str) -> bytes:
    kind = KINDS.get(claims.kind)
    if kind is None:
        raise ValueError(f"unknown token kind: {claims.kind!r}")
    expiry = _seconds("expires_at", claims.expires_at)
    sent = b"" if claims.sent_at is None else _seconds("sent_at", claims.sent_at)
    version = VERSION_WITH_SENT if sent else VERSION
    parts = [bytes([version, kind]), _short("key id", key_id, 16)]
    parts += [_short("tenant_id", claims.tenant_id), _short("message_id", claims.message_id)]
    if claims.kind == "click":
        index = claims.link_index
        if not isinstance(index, int) or not 0 <= index < 2**16:
            raise ValueError("a click token needs a link_index of 0-65535")
        url = check_click_url(claims.url or "").encode("utf-8")
        parts.append(struct.pack(">HH", index, len(url)) + url)
    elif claims.link_index is not None or claims.url is not None:
        raise ValueError(f"a {claims.kind} token carries no link_index or url")
    parts += (sent, expiry)
    return b"".join(parts)


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.digest(secret, payload, hashlib.sha256)[:MAC_BYTES]


def encode(claims: TokenClaims, keys: TokenKeys) -> str:
    """The token for ``claims``, signed with the current key; ValueError for bad claims."""
    payload = _payload(claims, keys.current)
    secret = keys.secret(keys.current) or b""
    token = base64.urlsafe_b64encode(payload + _mac(secret, payload))
    return token.rstrip(b"=").decode("ascii")


def _raw(token: object) -> bytes | None:
    """The bytes behind a canonical unpadded base64url string, else None."""
    if not isinstance(token, str) or len(token) > _MAX_TOKEN_CHARS or not _TOKEN.fullmatch(token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    # Unused trailing bits would let several strings decode to one token: only ours counts.
    canonical = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return raw if canonical == token else None


class _Reader:
    """Reads the payload front to back; any short read raises IndexError."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        if len(chunk) != size:
            raise IndexError("truncated token")
        self.at += size
        return chunk

    def short_text(self) -> str:
        return self.take(self.take(1)[0]).decode("utf-8")

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")


def _authentic(raw: bytes, keys: TokenKeys) -> _Reader | None:
    """A reader past version and key id if the MAC is right for the key the token names."""
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    reader = _Reader(payload)
    if len(raw) <= MAC_BYTES or reader.take(1)[0] not in (VERSION, VERSION_WITH_SENT):
        return None
    reader.take(1)  # kind: read again once authenticated
    secret = keys.secret(reader.take(reader.take(1)[0]).decode("ascii"))
    if secret is None or not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    return reader


def _claims(reader: _Reader, now: int) -> TokenClaims | None:
    kind = _NAMES.get(reader.data[1])
    if kind is None:
        return None
    tenant_id, message_id = reader.short_text(), reader.short_text()
    link_index = url = None
    if kind == "click":
        link_index = reader.uint(2)
        url = reader.take(reader.uint(2)).decode("utf-8")
    sent_at = reader.uint(4) if reader.data[0] == VERSION_WITH_SENT else None
    expires_at = reader.uint(4)
    if reader.at != len(reader.data) or now >= expires_at:
        return None
    return TokenClaims(kind, tenant_id, message_id, expires_at, link_index, url, sent_at)


def decode(token: str, keys: TokenKeys, now: int) -> TokenClaims | None:
    """The claims of a valid, unexpired token signed with one of ``keys``; else None."""
    raw = _raw(token)
    if raw is None:
        return None
    try:
        reader = _authentic(raw, keys)
        return None if reader is None else _claims(reader, now)
    except (IndexError, UnicodeDecodeError):
        return None


def load_keys(value: str) -> TokenKeys:
    """The keys from their secret: JSON ``{"current": id, "keys": {id: secret}}`` so keys
    rotate without breaking old emails, or one plain random string (the template's generated
    secret), which becomes key ``k1``."""
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("keys"), dict):
        keys = {str(k): str(v).encode("utf-8") for k, v in parsed["keys"].items()}
        return TokenKeys(keys, str(parsed["current"]))
    return TokenKeys({"k1": value.encode("utf-8")}, "k1")


def warmup_token(tenant_id: str, message_id: str, keys: TokenKeys, now: int) -> str:
    """The ``X-PM-Warmup`` token of a warm-up message, valid for 14 days from ``now``."""
    claims = TokenClaims("warmup", tenant_id, message_id, now + WARMUP_LIFETIME_SECONDS)
    return encode(claims, keys)


def decode_warmup(token: str, keys: TokenKeys, now: int) -> tuple[str, str] | None:
    """(tenant id, message id) of a valid, unexpired warm-up token; None for anything else
    (another kind of token included)."""
    claims = decode(token.strip() if isinstance(token, str) else token, keys, now)
    if claims is None or claims.kind != "warmup":
        return None
    return claims.tenant_id, claims.message_id
