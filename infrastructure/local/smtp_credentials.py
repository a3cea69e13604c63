"""What the local SMTP server needs to be believable: MailU-style user passwords kept as
salted scrypt hashes (never in clear), and a throwaway self-signed certificate for STARTTLS."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import ipaddress
import os
import secrets
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SCRYPT_N = 2**14  # ~70 ms per hash; AUTH runs it on the server's event-loop thread
SCRYPT_R = 8
SCRYPT_P = 1
CERT_DAYS = 30


# --- passwords --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: bytes, salt: bytes, n: int) -> bytes:
    return hashlib.scrypt(password, salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)


def hash_password(password: str, n: int = SCRYPT_N) -> str:
    """Salted scrypt hash encoded as ``scrypt$<n>$<salt b64>$<digest b64>``."""
    salt = os.urandom(16)
    return f"scrypt${n}${_b64(salt)}${_b64(_scrypt(password.encode('utf-8'), salt, n))}"


_MEMO_KEY = secrets.token_bytes(32)
_verified: set[tuple[str, bytes]] = set()


def verify_password(password: bytes, stored: str) -> bool:
    """True if ``password`` matches a hash made by ``hash_password``. A pair that matched
    once is remembered (by a keyed digest of the password, never the password itself), so
    a sender's next logins skip the ~70 ms scrypt that otherwise stalls the server's event
    loop for every session; a changed password or hash is checked afresh."""
    memo = (stored, hmac.digest(_MEMO_KEY, password, "sha256"))
    if memo in _verified:
        return True
    if _check(password, stored):
        _verified.add(memo)
        return True
    return False


def _check(password: bytes, stored: str) -> bool:
    try:
        scheme, n, salt, digest = stored.split("$")
        expected = base64.b64decode(digest, validate=True)
        candidate = _scrypt(password, base64.b64decode(salt, validate=True), int(n))
    except (ValueError, binascii.Error):
        return False
    return scheme == "scrypt" and hmac.compare_digest(candidate, expected)


def normalize_email(email: str) -> str:
    """Mailbox key as MailU keeps it: trimmed and lower-cased."""
    return email.strip().lower()


# --- certificate ------------------------------------------------------------------------------


def _san(hostname: str, host: str) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = [x509.DNSName(hostname), x509.DNSName("localhost")]
    ips = {ipaddress.ip_address("127.0.0.1")}
    with contextlib.suppress(ValueError):  # host may be a name, not an address
        ips.add(ipaddress.ip_address(host))
    names += [x509.IPAddress(ip) for ip in sorted(ips, key=str) if not ip.is_unspecified]
    return x509.SubjectAlternativeName(names)


def _build_certificate(hostname: str, host: str, key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CERT_DAYS))
        .add_extension(_san(hostname, host), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )


def write_self_signed_certificate(hostname: str, directory: Path, host: str) -> tuple[Path, Path]:
    """Write an RSA-2048 self-signed cert (CN=hostname) and its key; return their paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert = _build_certificate(hostname, host, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def server_tls_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """Server-side context for STARTTLS (no client certificates)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context
