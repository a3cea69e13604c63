"""The platform's own relay, used for notifications to tenants: one email through an SMTP
server with aiosmtplib (STARTTLS/TLS, AUTH). Every network step has a timeout; the password
is passed in, never logged."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from chalicelib.mail.connection import ServerLogin, tls_context

if TYPE_CHECKING:
    from email.message import EmailMessage


async def send_async(login: ServerLogin, message: EmailMessage) -> None:
    import aiosmtplib

    await aiosmtplib.send(
        message,
        hostname=login.host,
        port=login.port,
        username=login.username or None,
        password=login.password or None,
        use_tls=login.security == "tls",
        start_tls=login.security == "starttls",
        tls_context=tls_context(login.verify_tls) if login.security != "none" else None,
        timeout=login.timeout,
    )


class SmtpRelay:
    def __init__(self, login: ServerLogin) -> None:
        self._login = login

    def send(self, message: EmailMessage) -> None:
        asyncio.run(send_async(self._login, message))
