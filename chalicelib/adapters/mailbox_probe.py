"""Live probe of a tenant mailbox's SMTP and IMAP servers, one timed step at a time.

The IMAP half lives in ``imap_probe``; the settings, steps and failure descriptions they
share live here.

Owns: opening a real connection to the tenant's servers and walking the same steps a sender or
reader would (TCP connect, implicit TLS or STARTTLS, EHLO, AUTH / IMAP LOGIN), each step timed and
bounded by a timeout; turning every failure into a short human-readable detail (DNS, refused,
timeout, TLS, the server's reply code and text) instead of an exception; and closing politely
(QUIT / LOGOUT) without leaking sockets. It never raises, and it never logs or returns passwords.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import aiosmtplib

SMTP_SECURITY = ("starttls", "tls", "none")
IMAP_SECURITY = ("tls", "starttls", "none")
EHLO_HOSTNAME = "probe.penguinmails.local"  # fixed: socket.getfqdn() may stall on a slow resolver
QUIT_TIMEOUT = 2.0  # bounds the polite goodbye; the probe result is already known
CLOSE_GRACE = 2.0  # time left for a TLS close_notify exchange before the socket is aborted
MAX_DETAIL = 300


@dataclass(frozen=True)
class ProbeStep:
    """One probe step: connect, ehlo, starttls, tls, auth, imap_connect, imap_tls or imap_login."""

    name: str
    ok: bool
    detail: str
    ms: float

    def to_public(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "ms": self.ms}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"  # starttls | tls | none
    username: str = ""
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str = "tls"  # tls | starttls | none
    username: str = ""
    password: str = field(default="", repr=False)


def passed(steps: list[ProbeStep]) -> bool:
    """True when the probe ran at least one step and every step succeeded."""
    return bool(steps) and all(step.ok for step in steps)


def failing_step(steps: list[ProbeStep]) -> ProbeStep | None:
    """The first failed step (a probe stops there), or None."""
    return next((step for step in steps if not step.ok), None)


class _CleanFailure(Exception):
    """The server answered in a way the probe cannot accept; the session itself is still sane."""


# --- errors -----------------------------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found and len(found) < 8:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _first(chain: list[BaseException], *kinds: type[BaseException]) -> Any:
    return next((exc for exc in chain if isinstance(exc, kinds)), None)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _describe(exc: BaseException, timeout: float) -> str:
    """A one-line, traceback-free account of why a step failed."""
    chain = _chain(exc)
    if (dns := _first(chain, socket.gaierror)) is not None:
        return f"host not found ({dns.strerror})"
    if _first(chain, ConnectionRefusedError) is not None:
        return "connection refused"
    if (cert := _first(chain, ssl.SSLCertVerificationError)) is not None:
        return f"TLS certificate verify failed: {cert.verify_message}"
    if (tls := _first(chain, ssl.SSLError)) is not None:
        return _describe_ssl_error(tls)
    # asyncio's SSL handshake timeout surfaces as ConnectionAbortedError
    if _first(chain, TimeoutError, ConnectionAbortedError) is not None:
        return f"timed out after {float(timeout)}s"
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    if isinstance(exc, _CleanFailure):
        return str(exc)
    if isinstance(exc, imaplib.IMAP4.error) and exc.args:
        return f"IMAP: {_text(exc.args[0])}"
    return f"{type(exc).__name__}: {exc}"


def _describe_ssl_error(error: ssl.SSLError) -> str:
    if not error.reason:
        return f"TLS: {error}"
    reason = error.reason.lower().replace("_", " ")
    if error.reason == "WRONG_VERSION_NUMBER":
        reason += " (the port does not speak implicit TLS; try starttls)"
    return f"TLS: {reason}"


def _clean(detail: str, password: str) -> str:
    """Single line, bounded length, and never the password (a server might echo it)."""
    text = " ".join(detail.split())
    if password:
        text = text.replace(password, "***")
    return text[:MAX_DETAIL]


def _outcome(
    name: str,
    started: float,
    timeout: float,
    password: str,
    detail: str = "",
    error: BaseException | None = None,
) -> tuple[ProbeStep, BaseException | None]:
    """One finished step: ok with the server's detail, or failed with a cleaned description."""
    if error is not None:
        return ProbeStep(
            name, False, _clean(_describe(error, timeout), password), _ms(started)
        ), error
    return ProbeStep(name, True, _clean(detail, password), _ms(started)), None


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _port(value: Any) -> int | None:
    """The port as an int (stored settings may hold a Decimal or a string), or None if invalid."""
    try:
        port = int(value)
    except (TypeError, ValueError):
        return None
    return port if 0 < port < 65536 else None


def _settings_problem(host: str, port: Any, security: str, allowed: tuple[str, ...]) -> str:
    if security not in allowed:
        return f"unsupported security {security!r} (expected one of {', '.join(allowed)})"
    if not host or _port(port) is None:
        return f"invalid server address {host!r}:{port}"
    return ""


# --- TCP --------------------------------------------------------------------------------------


def _resolve(host: str, port: int, timeout: float) -> list[Any]:
    """getaddrinfo bounded by ``timeout`` (a daemon thread, so a stuck resolver is abandoned)."""
    box: dict[str, Any] = {}

    def lookup() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as exc:  # noqa: BLE001 - handed to the caller, which re-raises it
            box["error"] = exc

    worker = threading.Thread(target=lookup, name="mailbox-probe-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if "error" in box:
        raise box["error"]
    if "infos" not in box:
        raise TimeoutError(f"DNS lookup of {host} timed out")
    return box["infos"]


def _open_tcp(host: str, port: int, timeout: float) -> socket.socket:
    """A connected blocking socket (timeout set), trying each resolved address in turn."""
    deadline = time.monotonic() + timeout
    error: OSError = OSError(f"no address found for {host}")
    for family, kind, proto, _, address in _resolve(host, port, timeout):
        sock = socket.socket(family, kind, proto)
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        sock.settimeout(timeout)
        return sock
    raise error


def _peer(sock: socket.socket) -> str:
    host, port = sock.getpeername()[:2]
    return f"connected to {host}:{port}"


def _tls_context(verify_tls: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _describe_tls(version: str | None, cipher: tuple[str, str, int] | None) -> str:
    return f"{version or 'TLS'} {cipher[0] if cipher else ''}".strip()


# --- SMTP -------------------------------------------------------------------------------------


class _ProbeClient(aiosmtplib.SMTP):
    """aiosmtplib client that remembers every transport it closed, so cleanup can abort them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.closed_transports: list[asyncio.BaseTransport] = []

    def close(self) -> None:
        if self.transport is not None:
            self.closed_transports.append(self.transport)
        super().close()


class _SmtpSession:
    def __init__(self, settings: SmtpSettings, timeout: float, verify_tls: bool) -> None:
        self.settings = settings
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.client = _ProbeClient(
            hostname=settings.host,
            use_tls=settings.security == "tls",
            start_tls=False,
            timeout=timeout,
            local_hostname=EHLO_HOSTNAME,
            tls_context=_tls_context(verify_tls),
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
        self.sock = _open_tcp(self.settings.host, self.settings.port, self.timeout)
        if self.settings.security == "tls":
            return _peer(self.sock)
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
        return _describe_tls(version, self.client.get_transport_info("cipher"))

    async def ehlo(self) -> str:
        response = await self.client.ehlo()
        greeting = response.message.splitlines()[0] if response.message else ""
        extensions = ", ".join(sorted(name.upper() for name in self.client.esmtp_extensions))
        return f"{response.code} {greeting}; extensions: {extensions or 'none'}"

    async def starttls(self) -> str:
        if not self.client.supports_extension("starttls"):
            raise _CleanFailure("server does not offer STARTTLS")
        response = await self.client.starttls()
        ehlo = await self.client.ehlo()
        return f"{response}; {self._tls_summary()}; EHLO {ehlo.code}"

    async def auth(self) -> str:
        if not self.client.supports_extension("auth"):
            encrypted = self.client.get_transport_info("sslcontext") is not None
            raise _CleanFailure(
                "server does not offer AUTH" + ("" if encrypted else " without TLS")
            )
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
            return _outcome(name, started, self.timeout, password, error=exc)
        return _outcome(name, started, self.timeout, password, detail)

    def _clean(self, detail: str) -> str:
        return _clean(detail, self.settings.password)

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
    return isinstance(error, aiosmtplib.SMTPResponseException | _CleanFailure)


def _in_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def probe_smtp(
    settings: SmtpSettings, timeout: float = 10.0, verify_tls: bool = True
) -> list[ProbeStep]:
    """Probe an SMTP server: connect, [tls], ehlo, [starttls + EHLO], [auth]; stop at a failure.

    Synchronous (runs its own event loop); from async code call it through asyncio.to_thread.
    """
    problem = _settings_problem(settings.host, settings.port, settings.security, SMTP_SECURITY)
    if not problem and _in_running_loop():
        problem = "probe_smtp is synchronous; call it via asyncio.to_thread from async code"
    if problem:
        return [ProbeStep("connect", False, problem, 0.0)]
    settings = replace(settings, port=_port(settings.port))
    return asyncio.run(_SmtpSession(settings, timeout, verify_tls).run())


# --- IMAP -------------------------------------------------------------------------------------
