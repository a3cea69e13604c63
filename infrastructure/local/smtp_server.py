"""Local SMTP server standing in for tenants' MailU servers on the PenguinMails local platform.

Owns: listening for SMTP on one port (default 127.0.0.1:2525, port 0 picks a free one) through an
aiosmtpd ``Controller`` thread; ESMTP STARTTLS with a throwaway self-signed certificate generated
by ``start()`` and deleted by ``stop()``; AUTH PLAIN/LOGIN, offered only after STARTTLS, checked
against a MailU-like user table that keeps salted scrypt hashes, never clear passwords; and an
in-memory, lock-protected store of every accepted message (envelope, raw MIME, auth user, TLS
flag, peer) that the platform's HTTP handler threads read. It never relays mail to the outside:
mail for one of its own users lands in that user's mailbox (``mail_store``: inbox or spam
folder, flags and uids as IMAP keeps them); mail for a sending domain's bounce
host (``b+<message id>@bounces.<domain>``, ``unsubscribe+<message id>@bounces.<domain>``)
lands in the inbox of the mailbox that sent that message, as the tenant's MailU delivers its
bounce host's catch-all; and the mailbox simulator (``mail_simulator``, on by default)
answers ``sim.penguinmails.test`` recipients, delivering its bounces, complaints and replies
into the sending mailbox's inbox, and refuses the share of an authenticated sender's
recipients that a forced bounce rate names.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import ssl
import tempfile
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from infrastructure.local.mail_simulator import DEFAULT_SLOW_SECONDS, Delivery, Simulator
from infrastructure.local.mail_store import MailStore, build_message, inbox_record
from infrastructure.local.mail_store import copy_message as _copy
from infrastructure.local.smtp_credentials import (  # noqa: F401 - re-exported for tests
    hash_password,
    normalize_email,
    server_tls_context,
    verify_password,
    write_self_signed_certificate,
)

logger = logging.getLogger(__name__)

IDENT = "PenguinMails local SMTP"
STOP_GRACE_SECONDS = 2.0
MALFORMED_ADDRESS = "553 5.1.3 Error: malformed address"
SIMULATOR_PEER = "simulator"

MessageSink = Callable[[dict[str, Any]], None]


# --- messages ---------------------------------------------------------------------------------


def simulated_record(delivery: Delivery) -> dict[str, Any]:
    """Inbox record (stored-message shape plus ``kind``) of a simulator-generated message."""
    return inbox_record(
        delivery.mailbox, delivery.mail_from, delivery.raw, delivery.kind, SIMULATOR_PEER
    )


def address_syntax_reply(address: str) -> str | None:
    """553 reply unless ``address`` is ``local@domain`` with both parts present."""
    local, _, domain = address.rpartition("@")
    if not local or not domain or any(ch.isspace() for ch in address):
        return MALFORMED_ADDRESS
    return None


class LocalSmtpHandler:
    """aiosmtpd handler: vets recipients and hands every accepted message to ``sink``.

    Extend by subclassing and overriding ``rcpt_reply`` (e.g. a mailbox simulator that rejects
    some addresses), then pass the subclass as ``LocalSmtpServer(handler_class=...)``. A
    ``simulator`` is consulted before ``rcpt_reply`` and may delay the DATA reply.
    """

    def __init__(self, sink: MessageSink, simulator: Simulator | None = None) -> None:
        self.sink = sink
        self.simulator = simulator

    def rcpt_reply(self, address: str) -> str | None:
        """SMTP error reply (e.g. ``"550 5.1.1 No such user"``) for ``address``; None accepts."""
        return None

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = (
            address_syntax_reply(address)
            or self._simulated_reply(session, envelope, address)
            or self.rcpt_reply(address)
        )
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    def _simulated_reply(self, session: Session, envelope: Envelope, address: str) -> str | None:
        if self.simulator is None:
            return None
        sender = session.auth_data if session.authenticated else None
        return self.simulator.rcpt_reply(envelope.mail_from or "", address, sender)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        delay = 0.0 if self.simulator is None else self.simulator.data_delay(envelope.rcpt_tos)
        if delay > 0:
            await asyncio.sleep(delay)
        message = build_message(session, envelope)
        self.sink(message)
        return f"250 2.0.0 OK queued as {message['id']}"


# --- server -----------------------------------------------------------------------------------


class _QuietLoginDataDeprecation(logging.Filter):
    """aiosmtpd 1.4.6 logs a deprecation WARNING on its own login_data write after every AUTH."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


_LOGIN_DATA_FILTER = _QuietLoginDataDeprecation()


class _TrackedSMTP(SMTP):
    """aiosmtpd SMTP protocol that registers its socket transport so stop() can drop clients."""

    def __init__(self, handler: Any, *, controller: _Controller, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._controller = controller
        self._socket_transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self._socket_transport is None  # STARTTLS calls again with the TLS transport
        if first:
            self._socket_transport = transport
            self._controller.connections.add(transport)
        super().connection_made(transport)
        if first and self._controller.closing:
            transport.abort()  # accepted while stop() was draining

    def connection_lost(self, error: Exception | None) -> None:
        self._controller.connections.discard(self._socket_transport)  # type: ignore[arg-type]
        super().connection_lost(error)


class _Controller(Controller):
    """aiosmtpd Controller that supports port 0, fails fast on bind errors, drops clients."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set[asyncio.BaseTransport] = set()  # used on the loop thread only
        self.closing = False

    def factory(self) -> SMTP:
        return _TrackedSMTP(self.handler, controller=self, **self.SMTP_kwargs)

    def _run(self, ready_event: threading.Event) -> None:
        try:
            super()._run(ready_event)
        finally:
            ready_event.set()  # on a bind error start() would otherwise wait ready_timeout

    def _trigger_server(self) -> None:
        if self._thread_exception is not None:
            raise self._thread_exception
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]  # the real port when port=0
        super()._trigger_server()

    async def _drop_connections(self) -> None:
        """Stop accepting, abort every client and let their session tasks finish."""
        self.closing = True
        loop = asyncio.get_running_loop()
        # Only stop accepting here: on 3.11 Server.close() makes accepts still in flight fail
        # Server._attach()'s assert and leak their socket. Controller._run() closes it after.
        for sock in self.server.sockets if self.server is not None else ():
            loop.remove_reader(sock.fileno())
        for transport in list(self.connections):
            transport.abort()
        deadline = loop.time() + STOP_GRACE_SECONDS
        while loop.time() < deadline:
            pending = asyncio.all_tasks() - {asyncio.current_task()}
            if not pending:
                return
            await asyncio.wait(pending, timeout=deadline - loop.time())

    def stop(self, no_assert: bool = False) -> None:
        # Controller.stop() alone closes the loop with accepted sockets still open (leaked fds).
        if self._thread is not None and self.loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._drop_connections(), self.loop)
            try:
                future.result(timeout=STOP_GRACE_SECONDS * 2)
            except concurrent.futures.TimeoutError:
                logger.warning("local SMTP: clients still connected at stop")
        super().stop(no_assert)


def _abandon(controller: _Controller) -> None:
    controller.stop(no_assert=True)
    if not controller.loop.is_closed():
        controller.loop.close()


class LocalSmtpServer:
    """SMTP submission server with STARTTLS, AUTH against local users and an in-memory store."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 2525,
        hostname: str = "smtp.penguinmails.local",
        max_message_size: int = 26_214_400,
        *,
        auth_required: bool = True,
        handler_class: type[LocalSmtpHandler] = LocalSmtpHandler,
        simulator: bool = True,
        slow_seconds: float = DEFAULT_SLOW_SECONDS,
    ) -> None:
        self.host = host
        self.port = port
        self.hostname = hostname
        self.max_message_size = max_message_size
        self.auth_required = auth_required
        self.simulator = Simulator(slow_seconds) if simulator else None
        self._slow_seconds = slow_seconds
        self.handler = handler_class(self._record, simulator=self.simulator)
        self._requested_port = port
        self._lock = threading.Lock()
        self._lifecycle = threading.Lock()
        self._users: dict[str, str] = {}
        self._messages: list[dict[str, Any]] = []
        self.mail_store = MailStore()  # the users' inboxes (folders, flags, uids, placement)
        self._controller: _Controller | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._cert_path: Path | None = None

    def __enter__(self) -> LocalSmtpServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # lifecycle

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def slow_seconds(self) -> float:
        """How long the DATA reply waits for ``slow@`` simulator recipients."""
        return self._slow_seconds

    @slow_seconds.setter
    def slow_seconds(self, value: float) -> None:
        self._slow_seconds = value
        if self.simulator is not None:
            self.simulator.slow_seconds = value

    @property
    def cert_path(self) -> str | None:
        """PEM path of the current self-signed certificate (None when stopped)."""
        return None if self._cert_path is None else str(self._cert_path)

    def client_ssl_context(self) -> ssl.SSLContext:
        """Client context trusting only this server's certificate (hostname checks stay on)."""
        if self._cert_path is None:
            raise RuntimeError("SMTP server is not running")
        return ssl.create_default_context(cafile=str(self._cert_path))

    def start(self) -> None:
        """Generate the certificate and listen; returns once connections are accepted."""
        with self._lifecycle:
            if self._controller is not None:
                return
            logging.getLogger("mail.log").addFilter(_LOGIN_DATA_FILTER)
            self._tempdir = tempfile.TemporaryDirectory(prefix="penguinmails-smtp-")
            try:
                self._controller = self._launch(Path(self._tempdir.name))
            except BaseException:
                self._remove_certificate()
                raise
            self.port = self._controller.port
            logger.info("local SMTP listening on %s:%s", self.host, self.port)

    def _launch(self, directory: Path) -> _Controller:
        cert_path, key_path = write_self_signed_certificate(self.hostname, directory, self.host)
        controller = _Controller(
            self.handler,
            hostname=self.host,
            port=self._requested_port,
            server_hostname=self.hostname,
            ident=IDENT,
            tls_context=server_tls_context(cert_path, key_path),
            require_starttls=False,
            auth_required=self.auth_required,
            auth_require_tls=True,
            authenticator=self._authenticate,
            data_size_limit=self.max_message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
        )
        try:
            controller.start()
        except BaseException:
            _abandon(controller)
            raise
        self._cert_path = cert_path
        return controller

    def stop(self) -> None:
        """Close the listener and its thread and delete the certificate; safe to call twice."""
        with self._lifecycle:
            controller, self._controller = self._controller, None
            if controller is not None:
                controller.stop()
            self._remove_certificate()

    def _remove_certificate(self) -> None:
        tempdir, self._tempdir, self._cert_path = self._tempdir, None, None
        if tempdir is not None:
            tempdir.cleanup()

    # users

    def add_user(self, email: str, password: str) -> None:
        """Create or replace a mailbox login; only a salted hash of ``password`` is kept."""
        key = normalize_email(email)
        if address_syntax_reply(key) is not None:
            raise ValueError(f"not an email address: {email!r}")
        record = hash_password(password)
        with self._lock:
            self._users[key] = record

    def has_user(self, email: str) -> bool:
        with self._lock:
            return normalize_email(email) in self._users

    def users(self) -> list[str]:
        with self._lock:
            return sorted(self._users)

    def _authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        # handled=False makes aiosmtpd answer "535 5.7.8"; the default handled=True sends nothing.
        denied = AuthResult(success=False, handled=False)
        if not isinstance(auth_data, LoginPassword):
            return denied
        email = normalize_email(auth_data.login.decode("utf-8", errors="replace"))
        with self._lock:
            stored = self._users.get(email)
        if stored is None or not verify_password(auth_data.password, stored):
            return denied
        return AuthResult(success=True, auth_data=email)

    # messages

    def accept(self, message: dict[str, Any], hosted: Collection[str] = ()) -> None:
        """Take a message another local listener accepted (a provisioned server's SMTP, see
        ``providers``) as if it had come here: stored, delivered, answered by the simulator.
        ``hosted``: mailboxes that listener's servers keep, delivered to like local users."""
        self._record(message, frozenset(normalize_email(h) for h in hosted))

    def _record(self, message: dict[str, Any], hosted: Collection[str] = frozenset()) -> None:
        generated = [] if self.simulator is None else self.simulator.responses(message)
        with self._lock:
            self._messages.append(message)
            for rcpt in dict.fromkeys(normalize_email(r) for r in message["rcpt_tos"]):
                local = rcpt in self._users or rcpt in hosted
                mailbox = rcpt if local else self._bounce_host_owner(rcpt, hosted)
                if mailbox is not None:
                    self._deliver(mailbox, {**_copy(message), "kind": "delivered"})
            for delivery in generated:
                self._deliver(delivery.mailbox, simulated_record(delivery))

    def _bounce_host_owner(self, rcpt: str, hosted: Collection[str] = ()) -> str | None:
        """The user who sent the message ``<tag>+<message id>@bounces.<domain>`` names (its
        envelope sender was ``b+<message id>@bounces.<domain>``); the caller holds ``_lock``."""
        local, _, host = rcpt.rpartition("@")
        _tag, plus, message_id = local.partition("+")
        if not plus or not message_id or not host.startswith("bounces."):
            return None
        return_path = f"b+{message_id}@{host}"
        for sent in reversed(self._messages):
            owner = sent.get("auth_user")
            known = owner in self._users or owner in hosted
            if known and normalize_email(sent["mail_from"]) == return_path:
                return str(owner)
        return None

    def _deliver(self, mailbox: str, record: dict[str, Any]) -> None:
        """Deliver to ``mailbox`` (its inbox or spam folder); the caller holds ``_lock``."""
        self.mail_store.deliver(mailbox, record)

    def messages(self) -> list[dict[str, Any]]:
        """Copies of the accepted messages, oldest first (newest last)."""
        with self._lock:
            return [_copy(m) for m in self._messages]

    def inbox(self, user: str) -> list[dict[str, Any]]:
        """Copies of the messages delivered to ``user``, oldest first, whatever their folder
        (positions never change; each has ``folder``, ``flags``, ``uid``, ``message_id``)."""
        return self.mail_store.records(normalize_email(user))

    def inboxes(self) -> dict[str, int]:
        """Message count of every non-empty inbox."""
        return self.mail_store.counts()

    def clear(self) -> None:
        """Forget every stored message, inbox and simulator deferral (users are kept)."""
        with self._lock:
            self._messages.clear()
            self.mail_store.clear()
        if self.simulator is not None:
            self.simulator.reset()

    def status(self) -> dict[str, Any]:
        with self._lock:
            counts = {"messages": len(self._messages), "users": len(self._users)}
        return {
            "status": "ok" if self.running else "stopped",
            "host": self.host,
            "port": self.port,
            "hostname": self.hostname,
            "starttls": True,
            "auth_required": self.auth_required,
            **counts,
        }
