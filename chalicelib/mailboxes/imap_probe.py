"""Live probe of a tenant mailbox's IMAP server: connect, TLS (implicit or STARTTLS), LOGIN,
each step timed and bounded, LOGOUT and close in every case. Never raises, never returns the
password. Shares its settings, steps and failure descriptions with ``probe``."""

from __future__ import annotations

import contextlib
import imaplib
import ssl
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib.mail.connection import ServerLogin, open_tcp, peer, tls_context, tls_summary
from chalicelib.mailboxes.probe import (
    IMAP_SECURITY,
    CleanFailure,
    ProbeStep,
    checked_port,
    outcome,
    settings_problem,
    text_of,
)

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable


class _ImapOnSocket(imaplib.IMAP4):
    """imaplib client over a socket we already connected (and maybe wrapped in TLS)."""

    def __init__(self, sock: socket.socket, host: str, port: int) -> None:
        self._ready_socket = sock
        super().__init__(host, port)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return self._ready_socket


class _ImapSession:
    def __init__(self, settings: ServerLogin) -> None:
        self.settings = settings
        self.timeout = settings.timeout
        self.context = tls_context(settings.verify_tls)
        self.sock: socket.socket | None = None
        self.client: _ImapOnSocket | None = None

    def plan(self) -> list[tuple[str, Callable[[], str]]]:
        steps: list[tuple[str, Callable[[], str]]] = [("imap_connect", self.connect)]
        if self.settings.security in ("tls", "starttls"):
            steps.append(("imap_tls", self.tls))
        if self.settings.username:
            steps.append(("imap_login", self.login))
        return steps

    def connect(self) -> str:
        self.sock = open_tcp(self.settings.host, self.settings.port, self.timeout)
        if self.settings.security == "tls":
            return peer(self.sock)
        return self._greet(self.sock)

    def _greet(self, sock: socket.socket) -> str:
        self.client = _ImapOnSocket(sock, self.settings.host, self.settings.port)
        return text_of(self.client.welcome)

    def tls(self) -> str:
        if self.settings.security == "tls":
            assert self.sock is not None
            # wrap_socket takes over the descriptor and closes it itself if the handshake fails
            tls_sock = self.context.wrap_socket(self.sock, server_hostname=self.settings.host)
            self.sock = tls_sock
            summary = tls_summary(tls_sock.version(), tls_sock.cipher())
            return f"{summary}; {self._greet(tls_sock)}"
        assert self.client is not None
        if "STARTTLS" not in self.client.capabilities:
            raise CleanFailure("server does not offer STARTTLS")
        typ, data = self.client.starttls(ssl_context=self.context)
        upgraded = self.client.sock
        assert isinstance(upgraded, ssl.SSLSocket)
        summary = tls_summary(upgraded.version(), upgraded.cipher())
        return f"{typ} {text_of(data[-1]) if data else ''}; {summary}"

    def login(self) -> str:
        assert self.client is not None
        try:
            typ, data = self.client.login(self.settings.username, self.settings.password)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            reason = text_of(exc.args[0]) if exc.args else ""
            raise CleanFailure(f"login refused: {reason}".strip()) from None
        return f"{typ} {text_of(data[-1]) if data else ''}"

    def run(self) -> list[ProbeStep]:
        steps: list[ProbeStep] = []
        error: BaseException | None = None
        try:
            for name, action in self.plan():
                step, error = self._timed(name, action)
                steps.append(step)
                if error is not None:
                    break
        finally:
            self.close(polite=error is None or _is_clean_imap_refusal(error))
        return steps

    def _timed(
        self, name: str, action: Callable[[], str]
    ) -> tuple[ProbeStep, BaseException | None]:
        started, password = time.perf_counter(), self.settings.password
        try:
            detail = action()
        except Exception as exc:  # noqa: BLE001 - a probe reports every failure as a step
            return outcome(name, started, self.timeout, password, error=exc)
        return outcome(name, started, self.timeout, password, detail)

    def close(self, polite: bool) -> None:
        """LOGOUT when the session is still sane; always close the socket."""
        client = self.client
        if client is not None:
            if polite:
                with contextlib.suppress(Exception):
                    client.logout()
            with contextlib.suppress(Exception):
                client.shutdown()
            client.sock.close()
        if self.sock is not None:
            self.sock.close()


def _is_clean_imap_refusal(error: BaseException) -> bool:
    if isinstance(error, imaplib.IMAP4.abort):
        return False
    return isinstance(error, imaplib.IMAP4.error | CleanFailure)


def probe_imap(settings: ServerLogin) -> list[ProbeStep]:
    """Probe an IMAP server: imap_connect, [imap_tls], [imap_login]; stop at a failure.

    Every socket operation is bounded by ``settings.timeout``.
    """
    problem = settings_problem(settings, IMAP_SECURITY)
    if problem:
        return [ProbeStep("imap_connect", False, problem, 0.0)]
    return _ImapSession(replace(settings, port=checked_port(settings.port) or 0)).run()
