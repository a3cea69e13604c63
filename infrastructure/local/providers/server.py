"""One local provisioned server (what a Hostwinds VPS running MailU is, on loopback): on its own
address (127.0.1.N) and free ports, an SMTP submission listener (STARTTLS, AUTH against this
server's MailU users), a minimal IMAP listener (STARTTLS, LOGIN, SELECT INBOX) and the MailU
admin API (domains, users, DKIM keys, our certificate endpoint).

TLS starts with a self-signed certificate, as MailU's front does before it has one;
``install_certificate`` switches every listener to the given pair for new connections.

Mail it accepts is DKIM-signed with the sender's domain key when this server has one (as
MailU's rspamd signs by the From domain, selector ``dkim``) and handed to the platform's main
local mail server (``LocalSmtpServer.accept``), so it lands in the same store, inboxes and
simulator as all other local mail; its inboxes are the main server's inboxes. The main
server's mailbox simulator answers here too (its RCPT refusals and slow DATA replies), so a
mailbox behaves the same whichever local server it sends through.
"""

from __future__ import annotations

import logging
import ssl
import tempfile
import threading
from collections.abc import Callable, Collection
from email.parser import HeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from infrastructure.local.providers.faults import StepFaults
from infrastructure.local.providers.imap import LocalImapServer
from infrastructure.local.providers.mail_state import DKIM_SELECTOR, MailState
from infrastructure.local.providers.mailu_api import MailuApi, MailuApiServer
from infrastructure.local.smtp_credentials import (
    server_tls_context,
    write_self_signed_certificate,
)
from infrastructure.local.smtp_server import (
    IDENT,
    LocalSmtpHandler,
    LocalSmtpServer,
    _abandon,
    _Controller,
    _TrackedSMTP,
)

logger = logging.getLogger(__name__)

MAX_MESSAGE_SIZE = 26_214_400


class TlsState:
    """The certificate the server's listeners serve now; swapped whole, read per connection."""

    def __init__(self, hostname: str, host: str, directory: Path) -> None:
        self._directory = directory
        self._lock = threading.Lock()
        cert, key = write_self_signed_certificate(hostname, directory, host)
        self.self_signed_path = cert
        self._context = server_tls_context(cert, key)
        self.cert_chain_pem = cert.read_text()
        self._installed = 0

    @property
    def context(self) -> ssl.SSLContext:
        with self._lock:
            return self._context

    def install(self, cert_chain_pem: str, key_pem: str) -> None:
        """Serve this pair from the next connection on; ValueError when it is no valid pair."""
        with self._lock:
            self._installed += 1
            cert = self._directory / f"installed-{self._installed}-cert.pem"
            key = self._directory / f"installed-{self._installed}-key.pem"
        cert.write_text(cert_chain_pem)
        key.write_text(key_pem)
        key.chmod(0o600)
        try:
            context = server_tls_context(cert, key)
        except (ssl.SSLError, ValueError, OSError) as exc:
            raise ValueError(f"not a certificate chain and its key ({exc})") from None
        with self._lock:
            self._context, self.cert_chain_pem = context, cert_chain_pem


class _VpsController(_Controller):
    """The platform's SMTP controller, reading the TLS context per connection."""

    def __init__(self, *args: Any, tls: TlsState, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tls = tls

    def factory(self) -> SMTP:
        kwargs = {**self.SMTP_kwargs, "tls_context": self._tls.context}
        return _TrackedSMTP(self.handler, controller=self, **kwargs)


def dkim_sign(raw: str, state: MailState) -> str:
    """``raw`` with a DKIM-Signature of its From domain's key on top (unchanged without one)."""
    import dkim

    _, address = parseaddr(HeaderParser().parsestr(raw, headersonly=True).get("From", ""))
    domain = address.rpartition("@")[2].lower()
    pem = state.dkim_private_pem(domain) if domain else None
    if pem is None:
        return raw
    try:
        signature = dkim.sign(raw.encode("utf-8"), DKIM_SELECTOR.encode(), domain.encode(), pem)
    except dkim.DKIMException as exc:  # a message rspamd would pass on unsigned too
        logger.warning("local server: not DKIM-signed (%s)", exc)
        return raw
    return signature.decode("ascii") + raw


class LocalMailServer:
    """The server at ``ip``; ``start()`` binds free ports (``smtp_port``, ``imap_port``,
    ``admin_port``), ``stop()`` closes them all. ``hosted`` names every mailbox the local
    provider's servers keep (delivered to like local users by the main server)."""

    def __init__(
        self,
        ip: str,
        hostname: str,
        api_token: str | None,
        main: LocalSmtpServer,
        *,
        hosted: Callable[[], Collection[str]] | None = None,
        faults: StepFaults | None = None,
    ) -> None:
        self.ip, self.hostname, self.main = ip, hostname, main
        self.state = MailState()
        self._api_token = api_token
        self._hosted = hosted or self.state.users
        self._faults = faults
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._smtp: _VpsController | None = None
        self._imap: LocalImapServer | None = None
        self._admin: MailuApiServer | None = None
        self.tls: TlsState | None = None
        self.smtp_port = self.imap_port = self.admin_port = 0

    def start(self) -> None:
        self._tempdir = tempfile.TemporaryDirectory(prefix="penguinmails-vps-")
        try:
            tls = self.tls = TlsState(self.hostname, self.ip, Path(self._tempdir.name))
            self._start_smtp(tls)
            self._imap = LocalImapServer(
                self.ip, lambda: tls.context, self.state.check_password, self._inbox_count
            )
            self._imap.start()
            self.imap_port = self._imap.port
            api = MailuApi(self.state, self._api_token, self.hostname, tls.install, self._faults)
            self._admin = MailuApiServer(api, self.ip)
            self._admin.start()
            self.admin_port = self._admin.port
        except BaseException:
            self.stop()
            raise
        logger.info("local server %s (%s) up: smtp %s", self.hostname, self.ip, self.smtp_port)

    def _start_smtp(self, tls: TlsState) -> None:
        handler = LocalSmtpHandler(self._submit, simulator=self.main.simulator)
        controller = _VpsController(
            handler,
            tls=tls,
            hostname=self.ip,
            port=0,
            server_hostname=self.hostname,
            ident=IDENT,
            tls_context=tls.context,
            require_starttls=False,
            auth_required=True,
            auth_require_tls=True,
            authenticator=self._authenticate,
            data_size_limit=MAX_MESSAGE_SIZE,
            enable_SMTPUTF8=True,
            decode_data=False,
        )
        try:
            controller.start()
        except BaseException:
            _abandon(controller)
            raise
        self._smtp, self.smtp_port = controller, controller.port

    def stop(self) -> None:
        """Close every listener and delete the certificates; safe to call twice."""
        smtp, imap, admin = self._smtp, self._imap, self._admin
        self._smtp = self._imap = self._admin = None
        if smtp is not None:
            smtp.stop()
        for listener in (imap, admin):
            if listener is not None:
                listener.stop()
        tempdir, self._tempdir = self._tempdir, None
        if tempdir is not None:
            tempdir.cleanup()

    @property
    def running(self) -> bool:
        return self._smtp is not None

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context trusting the self-signed certificate this server started with."""
        if self.tls is None:
            raise RuntimeError("server is not running")
        return ssl.create_default_context(cafile=str(self.tls.self_signed_path))

    # mail

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        denied = AuthResult(success=False, handled=False)  # aiosmtpd answers 535 5.7.8
        if not isinstance(auth_data, LoginPassword):
            return denied
        login = auth_data.login.decode("utf-8", errors="replace")
        email = self.state.check_password(login, auth_data.password)
        return denied if email is None else AuthResult(success=True, auth_data=email)

    def _submit(self, message: dict[str, Any]) -> None:
        message["raw"] = dkim_sign(message["raw"], self.state)
        message["size"] = len(message["raw"].encode("utf-8"))
        message["server"] = self.hostname
        self.main.accept(message, hosted=self._hosted())

    def _inbox_count(self, email: str) -> int:
        return len(self.main.inbox(email))
