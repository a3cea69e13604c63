"""Live probe of a tenant mailbox's IMAP server: connect, TLS (implicit or STARTTLS), LOGIN,
each step timed and bounded, LOGOUT and close in every case. Never raises, never returns the
password. Shares its settings, steps and failure descriptions with ``mailbox_probe``."""

from __future__ import annotations

import contextlib
import imaplib
import socket
import time
from collections.abc import Callable
from dataclasses import replace

from chalicelib.adapters.mailbox_probe import (  # helpers shared by both probes
    IMAP_SECURITY,
    ImapSettings,
    ProbeStep,
    _clean,
    _CleanFailure,
    _describe_tls,
    _open_tcp,
    _outcome,
    _peer,
    _port,
    _settings_problem,
    _text,
    _tls_context,
)


class _ImapOnSocket(imaplib.IMAP4):
    """imaplib client over a socket we already connected (and maybe wrapped in TLS)."""

    def __init__(self, sock: socket.socket, host: str, port: int) -> None:
        self._ready_socket = sock
        super().__init__(host, port)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return self._ready_socket


class _ImapSession:
    def __init__(self, settings: ImapSettings, timeout: float, verify_tls: bool) -> None:
        self.settings = settings
        self.timeout = timeout
        self.context = _tls_context(verify_tls)
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
        self.sock = _open_tcp(self.settings.host, self.settings.port, self.timeout)
        if self.settings.security == "tls":
            return _peer(self.sock)
        return self._greet(self.sock)

    def _greet(self, sock: socket.socket) -> str:
        self.client = _ImapOnSocket(sock, self.settings.host, self.settings.port)
        return _text(self.client.welcome)

    def tls(self) -> str:
        if self.settings.security == "tls":
            assert self.sock is not None
            # wrap_socket takes over the descriptor and closes it itself if the handshake fails
            tls_sock = self.context.wrap_socket(self.sock, server_hostname=self.settings.host)
            self.sock = tls_sock
            summary = _describe_tls(tls_sock.version(), tls_sock.cipher())
            return f"{summary}; {self._greet(tls_sock)}"
        assert self.client is not None
        if "STARTTLS" not in self.client.capabilities:
            raise _CleanFailure("server does not offer STARTTLS")
        typ, data = self.client.starttls(ssl_context=self.context)
        tls_sock = self.client.sock
        summary = _describe_tls(tls_sock.version(), tls_sock.cipher())
        return f"{typ} {_text(data[-1]) if data else ''}; {summary}"

    def login(self) -> str:
        assert self.client is not None
        try:
            typ, data = self.client.login(self.settings.username, self.settings.password)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            reason = _text(exc.args[0]) if exc.args else ""
            raise _CleanFailure(f"login refused: {reason}".strip()) from None
        return f"{typ} {_text(data[-1]) if data else ''}"

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
            return _outcome(name, started, self.timeout, password, error=exc)
        return _outcome(name, started, self.timeout, password, detail)

    def _clean(self, detail: str) -> str:
        return _clean(detail, self.settings.password)

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
    return isinstance(error, imaplib.IMAP4.error | _CleanFailure)


def probe_imap(
    settings: ImapSettings, timeout: float = 10.0, verify_tls: bool = True
) -> list[ProbeStep]:
    """Probe an IMAP server: imap_connect, [imap_tls], [imap_login]; stop at a failure.

    Every socket operation is bounded by ``timeout``.
    """
    problem = _settings_problem(settings.host, settings.port, settings.security, IMAP_SECURITY)
    if problem:
        return [ProbeStep("imap_connect", False, problem, 0.0)]
    settings = replace(settings, port=_port(settings.port))
    return _ImapSession(settings, timeout, verify_tls).run()
