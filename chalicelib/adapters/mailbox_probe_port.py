"""The mailbox-test port: stored server settings plus the password from the secret store,
probed for real by ``mailbox_probe``; results as plain dicts (never the password)."""

from __future__ import annotations

from typing import Any

SMTP_TIMEOUT = 10.0


class MailboxProber:
    def __init__(self, verify_tls: bool = True, timeout: float = SMTP_TIMEOUT) -> None:
        self._verify_tls = verify_tls
        self._timeout = timeout

    def smtp(self, server: Any, password: str) -> list[dict[str, Any]]:
        from chalicelib.adapters.mailbox_probe import SmtpSettings, probe_smtp

        settings = SmtpSettings(
            server.host, server.port, server.security, server.username, password
        )
        return [s.to_public() for s in probe_smtp(settings, self._timeout, self._verify_tls)]

    def imap(self, server: Any, password: str) -> list[dict[str, Any]]:
        from chalicelib.adapters.imap_probe import probe_imap
        from chalicelib.adapters.mailbox_probe import ImapSettings

        settings = ImapSettings(
            server.host, server.port, server.security, server.username, password
        )
        return [s.to_public() for s in probe_imap(settings, self._timeout, self._verify_tls)]
