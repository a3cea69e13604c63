"""The mailbox-test adapter: a mailbox's stored server settings plus the password from the
secret store, probed for real over SMTP and IMAP; results as plain dicts (never the
password)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.mail.connection import ServerLogin, login_for
from chalicelib.mailboxes.imap_probe import probe_imap
from chalicelib.mailboxes.probe import probe_smtp

if TYPE_CHECKING:
    from chalicelib.mailboxes.rules import ServerSettings

SMTP_TIMEOUT = 10.0


class MailboxProber:
    """The mailbox-test port: stored server settings plus the password from the secret
    store, probed for real; results as plain dicts (never the password)."""

    def __init__(self, verify_tls: bool = True, timeout: float = SMTP_TIMEOUT) -> None:
        self._verify_tls = verify_tls
        self._timeout = timeout

    def _login(self, server: ServerSettings, password: str) -> ServerLogin:
        return login_for(server, password, self._timeout, self._verify_tls)

    def smtp(self, server: ServerSettings, password: str) -> list[dict[str, Any]]:
        return [s.to_public() for s in probe_smtp(self._login(server, password))]

    def imap(self, server: ServerSettings, password: str) -> list[dict[str, Any]]:
        return [s.to_public() for s in probe_imap(self._login(server, password))]
