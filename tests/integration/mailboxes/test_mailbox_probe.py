"""Integration tests for the mailbox probe against real servers on loopback.

SMTP runs against the platform's own LocalSmtpServer (STARTTLS, self-signed certificate, AUTH
only after STARTTLS) and an aiosmtpd implicit-TLS server; IMAP against a tiny fake IMAP server
thread (no real IMAP server is needed). Failure modes use a closed port, an unresolvable name and
a listener that accepts but never speaks. No test asserts on wall-clock time.
"""

from __future__ import annotations

import contextlib
import gc
import socket
import threading
import warnings
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from chalicelib.mail.connection import ServerLogin
from chalicelib.mailboxes.imap_probe import probe_imap
from chalicelib.mailboxes.probe import ProbeStep, failing_step, passed, probe_smtp
from infrastructure.local.smtp_server import (
    LocalSmtpServer,
    server_tls_context,
    write_self_signed_certificate,
)

HOST = "127.0.0.1"
USER = "sender@acme.test"
PASSWORD = "correct horse battery staple"
SHORT = 2.0  # probe timeout for cases that must fail; bounds the test, never asserted on
THREAD_JOIN = 10.0  # only stops a broken run from hanging


@pytest.fixture(autouse=True)
def no_leaked_sockets() -> Iterator[None]:
    """Every socket a probe opened must be closed by the time it returns (no ResourceWarning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    for other in caught:
        if not issubclass(other.category, ResourceWarning):  # hand the rest back to pytest
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    assert not leaks


@pytest.fixture
def smtp() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer(HOST, 0)
    server.start()
    server.add_user(USER, PASSWORD)
    yield server
    server.stop()


def _settings(
    port: int,
    security: str = "starttls",
    password: str = PASSWORD,
    timeout: float = 10.0,
    verify_tls: bool = True,
) -> ServerLogin:
    return ServerLogin(HOST, port, security, USER, password, timeout, verify_tls)


def _names(steps: list[ProbeStep]) -> list[str]:
    return [step.name for step in steps]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- a listener that accepts connections and never says a word ----------------------------


class SilentServer:
    def __init__(self) -> None:
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, name="silent-server", daemon=True)

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.held.append(conn)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(THREAD_JOIN)
        for conn in self.held:
            conn.close()
        self.listener.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    server.thread.start()
    yield server
    server.close()


# --- a tiny fake IMAP server: greeting, CAPABILITY, LOGIN, LOGOUT ---------------------------


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] == '"':
        return word[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return word


class FakeImapServer:
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.logins: list[str] = []
        self.thread = threading.Thread(target=self._serve, name="fake-imap", daemon=True)

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            # a probe that gives up (TLS on a plain port) just drops the connection
            with contextlib.suppress(OSError), conn, conn.makefile("rwb") as stream:
                conn.settimeout(THREAD_JOIN)
                self._session(stream)

    def _session(self, stream: Any) -> None:
        stream.write(b"* OK fake IMAP ready\r\n")
        stream.flush()
        for raw in stream:
            tag, _, rest = raw.decode(errors="replace").rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            reply = self._answer(tag, command.upper(), args)
            stream.write(reply.encode())
            stream.flush()
            if command.upper() == "LOGOUT":
                return

    def _answer(self, tag: str, command: str, args: str) -> str:
        if command == "CAPABILITY":
            return f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK CAPABILITY completed\r\n"
        if command == "LOGIN":
            user, _, password = args.partition(" ")
            user = _unquote(user)
            if self.users.get(user) == _unquote(password):
                self.logins.append(user)
                return f"{tag} OK [CAPABILITY IMAP4rev1] Logged in\r\n"
            return f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
        if command == "LOGOUT":
            return f"* BYE Logging out\r\n{tag} OK Logout completed\r\n"
        return f"{tag} BAD unknown command\r\n"

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(THREAD_JOIN)
        self.listener.close()


@pytest.fixture
def imap() -> Iterator[FakeImapServer]:
    server = FakeImapServer({USER: PASSWORD})
    server.thread.start()
    yield server
    server.close()


# --- an implicit-TLS (SMTPS, port-465 style) server ----------------------------------------


class _Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    good = isinstance(data, LoginPassword) and data.password == PASSWORD.encode()
    return AuthResult(success=good, handled=False)


class _AnyPortController(Controller):
    """aiosmtpd Controller that learns the real port when asked for port 0."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtps(tmp_path: Path) -> Iterator[int]:
    cert, key = write_self_signed_certificate("smtps.penguinmails.local", tmp_path, HOST)
    controller = _AnyPortController(
        _Sink(),
        hostname=HOST,
        port=0,
        ssl_context=server_tls_context(cert, key),
        auth_require_tls=False,  # aiosmtpd only counts STARTTLS as TLS; this socket is all TLS
        authenticator=_authenticator,
    )
    controller.start()
    yield controller.port
    controller.stop()


# --- SMTP -----------------------------------------------------------------------------------


def test_starttls_and_auth_all_steps_pass(smtp: LocalSmtpServer) -> None:
    steps = probe_smtp(_settings(smtp.port, timeout=SHORT, verify_tls=False))

    assert _names(steps) == ["connect", "ehlo", "starttls", "auth"]
    assert passed(steps) and failing_step(steps) is None
    assert steps[0].detail.startswith("220 ")
    assert "STARTTLS" in steps[1].detail
    assert "TLS" in steps[2].detail
    assert steps[3].detail.startswith("235")
    assert all(step.ms >= 0 for step in steps)


def test_wrong_password_fails_at_auth_with_535(smtp: LocalSmtpServer) -> None:
    steps = probe_smtp(_settings(smtp.port, password="not it", timeout=SHORT, verify_tls=False))

    assert _names(steps) == ["connect", "ehlo", "starttls", "auth"]
    assert not passed(steps)
    assert failing_step(steps) == steps[-1]
    assert "535" in steps[-1].detail


def test_self_signed_certificate_fails_starttls_when_verifying(smtp: LocalSmtpServer) -> None:
    steps = probe_smtp(_settings(smtp.port, timeout=SHORT, verify_tls=True))

    assert _names(steps) == ["connect", "ehlo", "starttls"]
    failed = failing_step(steps)
    assert failed is not None and failed.name == "starttls"
    assert failed.detail.startswith("TLS certificate verify failed")


def test_auth_is_not_offered_without_tls(smtp: LocalSmtpServer) -> None:
    steps = probe_smtp(_settings(smtp.port, security="none", timeout=SHORT))

    assert _names(steps) == ["connect", "ehlo", "auth"]
    assert failing_step(steps) == steps[-1]
    assert "does not offer AUTH" in steps[-1].detail


def test_implicit_tls_against_a_starttls_port_fails_at_tls(smtp: LocalSmtpServer) -> None:
    steps = probe_smtp(_settings(smtp.port, security="tls", timeout=SHORT, verify_tls=False))

    failed = failing_step(steps)
    assert failed is not None and failed.name in ("connect", "tls")
    assert "TLS" in failed.detail or "timed out" in failed.detail


def test_implicit_tls_server_passes(smtps: int) -> None:
    steps = probe_smtp(_settings(smtps, security="tls", timeout=SHORT, verify_tls=False))

    assert _names(steps) == ["connect", "tls", "ehlo", "auth"], steps
    assert passed(steps)
    assert "220" in steps[1].detail


def test_connection_refused() -> None:
    steps = probe_smtp(replace(_settings(_closed_port()), timeout=SHORT))

    assert _names(steps) == ["connect"]
    assert not steps[0].ok and steps[0].detail == "connection refused"


def test_unresolvable_host_fails_connect() -> None:
    settings = ServerLogin("nonexistent.invalid", 587, "starttls", USER, PASSWORD)
    steps = probe_smtp(replace(settings, timeout=SHORT))

    assert _names(steps) == ["connect"]
    assert not steps[0].ok
    assert "host not found" in steps[0].detail or "timed out" in steps[0].detail


def test_silent_server_times_out(silent: SilentServer) -> None:
    steps = probe_smtp(_settings(silent.port, timeout=1))

    failed = failing_step(steps)
    assert failed is not None and failed.name in ("connect", "ehlo")
    assert failed.detail == "timed out after 1s"


def test_unknown_security_is_reported_not_raised() -> None:
    steps = probe_smtp(ServerLogin(HOST, 25, "ssl-please", USER, PASSWORD))

    assert _names(steps) == ["connect"] and not steps[0].ok
    assert "unsupported security" in steps[0].detail


def test_port_from_storage_may_be_decimal_but_must_be_a_port(smtp: LocalSmtpServer) -> None:
    stored: Any = Decimal(smtp.port)  # what DynamoDB hands back for a number
    garbage: Any = "smtp"

    assert passed(probe_smtp(_settings(stored, timeout=SHORT, verify_tls=False)))
    refused = probe_smtp(_settings(garbage, timeout=SHORT))
    assert _names(refused) == ["connect"]
    assert "invalid server address" in refused[0].detail


def test_password_never_appears_in_results(smtp: LocalSmtpServer) -> None:
    runs = [
        probe_smtp(_settings(smtp.port, timeout=SHORT, verify_tls=False)),
        probe_smtp(_settings(smtp.port, password="x" + PASSWORD, timeout=SHORT, verify_tls=False)),
    ]
    assert PASSWORD not in repr(_settings(smtp.port))
    for steps in runs:
        assert PASSWORD not in repr([step.to_public() for step in steps])


def test_to_public_is_plain_data(smtp: LocalSmtpServer) -> None:
    step = probe_smtp(_settings(smtp.port, timeout=SHORT, verify_tls=False))[0]

    assert step.to_public() == {
        "name": "connect",
        "ok": True,
        "detail": step.detail,
        "ms": step.ms,
    }


# --- IMAP -----------------------------------------------------------------------------------


def _imap(
    port: int,
    security: str = "none",
    password: str = PASSWORD,
    timeout: float = 10.0,
    verify_tls: bool = True,
) -> ServerLogin:
    return ServerLogin(HOST, port, security, USER, password, timeout, verify_tls)


def test_imap_login_ok(imap: FakeImapServer) -> None:
    steps = probe_imap(_imap(imap.port, timeout=SHORT))

    assert _names(steps) == ["imap_connect", "imap_login"]
    assert passed(steps), steps
    assert "fake IMAP ready" in steps[0].detail
    assert imap.logins == [USER]


def test_imap_login_refused(imap: FakeImapServer) -> None:
    steps = probe_imap(_imap(imap.port, password="nope", timeout=SHORT))

    failed = failing_step(steps)
    assert failed is not None and failed.name == "imap_login"
    assert "AUTHENTICATIONFAILED" in failed.detail
    assert imap.logins == []


def test_imap_starttls_not_offered(imap: FakeImapServer) -> None:
    steps = probe_imap(_imap(imap.port, security="starttls", timeout=SHORT))

    assert _names(steps) == ["imap_connect", "imap_tls"]
    assert steps[-1].detail == "server does not offer STARTTLS"


def test_imap_tls_against_plain_port_fails_at_tls(imap: FakeImapServer) -> None:
    steps = probe_imap(_imap(imap.port, security="tls", timeout=SHORT, verify_tls=False))

    failed = failing_step(steps)
    assert failed is not None and failed.name == "imap_tls"
    assert "TLS" in failed.detail or "timed out" in failed.detail


def test_imap_connection_refused() -> None:
    steps = probe_imap(replace(_imap(_closed_port()), timeout=SHORT))

    assert _names(steps) == ["imap_connect"]
    assert steps[0].detail == "connection refused"


def test_imap_silent_server_times_out(silent: SilentServer) -> None:
    steps = probe_imap(_imap(silent.port, timeout=1))

    assert _names(steps) == ["imap_connect"]
    assert steps[0].detail == "timed out after 1s"
