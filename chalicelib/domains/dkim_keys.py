"""DKIM keys: RSA-2048 generated with ``cryptography``; the private key goes to the secret
store, the public key (base64 DER SubjectPublicKeyInfo) into the DNS record."""

from __future__ import annotations

import base64


def generate_key() -> tuple[str, str]:
    """(private key PEM, public key base64) for a new RSA-2048 DKIM key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, base64.b64encode(public_der).decode("ascii")
