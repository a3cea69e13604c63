"""Sending one email through an SMTP server with aiosmtplib (STARTTLS/TLS, AUTH).

Every network step has a timeout; the password is passed in, never logged.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpEndpoint:
    host: str
    port: int
    security: str  # starttls | tls | none
    username: str = ""
    password: str = ""
    timeout: float = 15.0
    verify_tls: bool = True


def _tls_context(endpoint: SmtpEndpoint) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not endpoint.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def send_async(endpoint: SmtpEndpoint, message: EmailMessage) -> None:
    import aiosmtplib

    await aiosmtplib.send(
        message,
        hostname=endpoint.host,
        port=endpoint.port,
        username=endpoint.username or None,
        password=endpoint.password or None,
        use_tls=endpoint.security == "tls",
        start_tls=endpoint.security == "starttls",
        tls_context=_tls_context(endpoint) if endpoint.security != "none" else None,
        timeout=endpoint.timeout,
    )


class SmtpRelay:
    """The platform's own relay, used for notifications to tenants."""

    def __init__(self, endpoint: SmtpEndpoint) -> None:
        self._endpoint = endpoint

    def send(self, message: EmailMessage) -> None:
        asyncio.run(send_async(self._endpoint, message))
