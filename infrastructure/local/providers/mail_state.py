"""What one local MailU knows: its domains (each with its DKIM key once generated) and its
users (salted scrypt hashes, never clear passwords). The admin API writes it; the server's
SMTP and IMAP listeners read it (AUTH/LOGIN, DKIM signing). Thread-safe."""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from infrastructure.local.smtp_credentials import hash_password, normalize_email, verify_password

DKIM_SELECTOR = "dkim"  # MailU's default DKIM_SELECTOR
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def valid_domain(name: str) -> bool:
    return bool(_DOMAIN.match(name))


@dataclass
class MailUser:
    email: str
    password_hash: str
    displayed_name: str = ""


@dataclass
class _Domain:
    name: str
    dkim_pem: bytes | None = None  # PKCS#1 PEM, as MailU keeps it


class MailState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._domains: dict[str, _Domain] = {}
        self._users: dict[str, MailUser] = {}

    # domains

    def add_domain(self, name: str) -> bool:
        """False when it exists already."""
        with self._lock:
            if name in self._domains:
                return False
            self._domains[name] = _Domain(name)
            return True

    def remove_domain(self, name: str) -> bool:
        """Remove the domain and its users (as MailU cascades); False when missing."""
        with self._lock:
            if self._domains.pop(name, None) is None:
                return False
            for email in [e for e in self._users if e.rpartition("@")[2] == name]:
                del self._users[email]
            return True

    def has_domain(self, name: str) -> bool:
        with self._lock:
            return name in self._domains

    def domains(self) -> list[str]:
        with self._lock:
            return sorted(self._domains)

    def generate_dkim(self, name: str) -> bool:
        """A new RSA-2048 key for ``name`` (MailU regenerates too); False when no domain."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        with self._lock:
            domain = self._domains.get(name)
            if domain is None:
                return False
            domain.dkim_pem = pem
            return True

    def dkim_private_pem(self, name: str) -> bytes | None:
        with self._lock:
            domain = self._domains.get(name.lower())
            return None if domain is None else domain.dkim_pem

    def dkim_public_b64(self, name: str) -> str | None:
        """The DKIM ``p=`` value: base64 DER SubjectPublicKeyInfo."""
        pem = self.dkim_private_pem(name)
        if pem is None:
            return None
        private = serialization.load_pem_private_key(pem, password=None)
        der = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode("ascii")

    # users

    def put_user(self, email: str, password: str | None, displayed_name: str | None) -> None:
        """Create or update; a None field keeps its value (a new user needs a password)."""
        key = normalize_email(email)
        hashed = None if password is None else hash_password(password)
        with self._lock:
            user = self._users.get(key)
            if user is None:
                self._users[key] = MailUser(key, hashed or "", displayed_name or "")
                return
            user.password_hash = hashed or user.password_hash
            user.displayed_name = user.displayed_name if displayed_name is None else displayed_name

    def has_user(self, email: str) -> bool:
        with self._lock:
            return normalize_email(email) in self._users

    def user(self, email: str) -> MailUser | None:
        with self._lock:
            user = self._users.get(normalize_email(email))
            return None if user is None else MailUser(user.email, "", user.displayed_name)

    def remove_user(self, email: str) -> bool:
        with self._lock:
            return self._users.pop(normalize_email(email), None) is not None

    def users(self, domain: str | None = None) -> list[str]:
        with self._lock:
            return sorted(e for e in self._users if domain in (None, e.rpartition("@")[2]))

    def check_password(self, email: str, password: bytes) -> str | None:
        """The user's address when ``password`` is right, else None."""
        key = normalize_email(email)
        with self._lock:
            user = self._users.get(key)
            stored = None if user is None else user.password_hash
        if not stored or not verify_password(password, stored):
            return None
        return key
