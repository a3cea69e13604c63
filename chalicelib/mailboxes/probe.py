"""Live probe of a tenant mailbox's SMTP server, one timed step at a time (IMAP in
``imap_probe``; the mailbox test runs both through ``prober.MailboxProber``).

Owns: opening a real connection to the tenant's server and walking the steps a sender would
(TCP connect, implicit TLS or STARTTLS, EHLO, AUTH), each step timed and bounded by a
timeout; turning every failure into a short human-readable detail (``connection.describe``)
instead of an exception; and closing politely (QUIT) without leaking sockets. It never
raises, and it never logs or returns passwords. The steps and their timing are shared with
the IMAP probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import aiosmtplib

from chalicelib.mail.connection import (
    CLOSE_GRACE,
    QUIT_TIMEOUT,
    SECURITY,
    ServerLogin,
    TrackedSMTP,
    clean,
    describe,
    open_tcp,
    peer,
    tls_context,
    tls_summary,
)

if TYPE_CHECKING:
    import socket
    from collections.abc import Awaitable, Callable

IMAP_SECURITY = ("tls", "starttls", "none")
EHLO_HOSTNAME = "probe.penguinmails.local"  # fixed: socket.getfqdn() may stall on a slow resolver


@dataclass(frozen=True)
class ProbeStep:
    """One probe step: connect, ehlo, starttls, tls, auth, imap_connect, imap_tls or imap_login."""

    name: str
    ok: bool
    detail: str
    ms: float

    def to_public(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "ms": self.ms}


def passed(steps: list[ProbeStep]) -> bool:
    """True when the probe ran at least one step and every step succeeded."""
    return bool(steps) and all(step.ok for step in steps)


def failing_step(steps: list[ProbeStep]) -> ProbeStep | None:
    """The first failed step (a probe stops there), or None."""
    return next((step for step in steps if not step.ok), None)


class CleanFailure(Exception):
    """The server answered in a way the probe cannot accept; the session itself is still sane."""


def text_of(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def step_failure(exc: BaseException, timeout: float) -> str:
    """A one-line, traceback-free account of why a step failed."""
    if isinstance(exc, CleanFailure):
        return str(exc)
    if isinstance(exc, imaplib.IMAP4.error) and exc.args:
        return f"IMAP: {text_of(exc.args[0])}"
    failure = describe(exc, timeout)
    return failure.text if failure.code is None else f"{failure.code} {failure.text}"


def outcome(
    name: str,
    started: float,
    timeout: float,
    password: str,
    detail: str = "",
    error: BaseException | None = None,
) -> tuple[ProbeStep, BaseException | None]:
    """One finished step: ok with the server's detail, or failed with a cleaned description."""
    ms = round((time.perf_counter() - started) * 1000, 1)
    if error is not None:
        return ProbeStep(name, False, clean(step_failure(error, timeout), password), ms), error
    return ProbeStep(name, True, clean(detail, password), ms), None


def checked_port(value: Any) -> int | None:
    """The port as an int (stored settings may hold a Decimal or a string), or None if invalid."""
    try:
        port = int(value)
    except (TypeError, ValueError):
        return None
    return port if 0 < port < 65536 else None


def settings_problem(login: ServerLogin, allowed: tuple[str, ...]) -> str:
    if login.security not in allowed:
        return f"unsupported security {login.security!r} (expected one of {', '.join(allowed)})"
    if not login.host or checked_port(login.port) is None:
        return f"invalid server address {login.host!r}:{login.port}"
    return ""


# --- SMTP -------------------------------------------------------------------------------------


class _SmtpSession:
    def __init__(self, settings: ServerLogin) -> None:
        self.settings = settings
        self.timeout = settings.timeout
        self.sock: socket.socket | None = None
        self.client = TrackedSMTP(
            hostname=settings.host,
            use_tls=settings.security == "tls",
            start_tls=False,
            timeout=settings.timeout,
            local_hostname=EHLO_HOSTNAME,
            tls_context=tls_context(settings.verify_tls),
        )

    def plan(self) -> list[tuple[str, Callable[[], Awaitable[str]]]]:
        security = self.settings.security
        steps: list[tuple[str, Callable[[], Awaitable[str]]]] = [("connect", self.connect)]
        if security == "tls":
            steps.append(("tls", self.greet))
        steps.append(("ehlo", self.ehlo))
        if security == "starttls":
            steps.append(("starttls", self.starttls))
        if self.settings.username:
            steps.append(("auth", self.auth))
        return steps

    async def connect(self) -> str:
        # Blocking but bounded by the timeout; this probe is the only task on its private loop.
        self.sock = open_tcp(self.settings.host, self.settings.port, self.timeout)
        if self.settings.security == "tls":
            return peer(self.sock)
        return await self.greet()

    async def greet(self) -> str:
        """Hand the socket to aiosmtplib: TLS handshake (implicit TLS) and the 220 greeting."""
        response = await self.client.connect(sock=self.sock)
        if self.settings.security == "tls":
            return f"{self._tls_summary()}; {response}"
        return str(response)

    def _tls_summary(self) -> str:
        ssl_object = self.client.get_transport_info("ssl_object")
        version = ssl_object.version() if ssl_object is not None else None
        return tls_summary(version, self.client.get_transport_info("cipher"))

    async def ehlo(self) -> str:
        response = await self.client.ehlo()
        greeting = response.message.splitlines()[0] if response.message else ""
        extensions = ", ".join(sorted(name.upper() for name in self.client.esmtp_extensions))
        return f"{response.code} {greeting}; extensions: {extensions or 'none'}"

    async def starttls(self) -> str:
        if not self.client.supports_extension("starttls"):
            raise CleanFailure("server does not offer STARTTLS")
        response = await self.client.starttls()
        ehlo = await self.client.ehlo()
        return f"{response}; {self._tls_summary()}; EHLO {ehlo.code}"

    async def auth(self) -> str:
        if not self.client.supports_extension("auth"):
            encrypted = self.client.get_transport_info("sslcontext") is not None
            raise CleanFailure("server does not offer AUTH" + ("" if encrypted else " without TLS"))
        response = await self.client.login(self.settings.username, self.settings.password)
        return str(response)

    async def run(self) -> list[ProbeStep]:
        steps: list[ProbeStep] = []
        error: BaseException | None = None
        try:
            for name, action in self.plan():
                step, error = await self._timed(name, action)
                steps.append(step)
                if error is not None:
                    break
        finally:
            await self.close(polite=error is None or _is_clean_smtp_refusal(error))
        return steps

    async def _timed(
        self, name: str, action: Callable[[], Awaitable[str]]
    ) -> tuple[ProbeStep, BaseException | None]:
        started, password = time.perf_counter(), self.settings.password
        try:
            detail = await asyncio.wait_for(action(), self.timeout)
        except Exception as exc:  # noqa: BLE001 - a probe reports every failure as a step
            return outcome(name, started, self.timeout, password, error=exc)
        return outcome(name, started, self.timeout, password, detail)

    async def close(self, polite: bool) -> None:
        """QUIT when the session is still sane, then make sure the socket is really closed."""
        if polite and self.client.is_connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.client.quit(), min(self.timeout, QUIT_TIMEOUT))
        self.client.close()
        await self._wait_closed()

    async def _wait_closed(self) -> None:
        sock = self.sock
        if sock is None:
            return
        deadline = time.monotonic() + min(self.timeout, CLOSE_GRACE)
        while sock.fileno() != -1 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # a TLS transport closes after its close_notify exchange
        if sock.fileno() == -1:
            return
        for transport in self.client.closed_transports:
            transport.abort()
        for _ in range(3):
            await asyncio.sleep(0)
        sock.close()


def _is_clean_smtp_refusal(error: BaseException) -> bool:
    return isinstance(error, aiosmtplib.SMTPResponseException | CleanFailure)


def _in_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _run_smtp(settings: ServerLogin) -> list[ProbeStep]:
    return await _SmtpSession(settings).run()


def probe_smtp(settings: ServerLogin) -> list[ProbeStep]:
    """Probe an SMTP server: connect, [tls], ehlo, [starttls + EHLO], [auth]; stop at a failure.
    Every step is bounded by ``settings.timeout``.

    Synchronous (runs its own event loop); from async code call it through asyncio.to_thread.
    """
    problem = settings_problem(settings, SECURITY)
    if not problem and _in_running_loop():
        problem = "probe_smtp is synchronous; call it via asyncio.to_thread from async code"
    if problem:
        return [ProbeStep("connect", False, problem, 0.0)]
    return asyncio.run(_run_smtp(replace(settings, port=checked_port(settings.port) or 0)))
