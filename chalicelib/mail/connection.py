"""Talking to a mail server: the one settings type a connection needs (``ServerLogin``), the
TLS context, bounded DNS and TCP, the aiosmtplib client that can abort its socket, and the
one account of why a network step failed. Shared by the sender (``sending``), the mailbox
probes, the inbox reader and the platform's notification relay, so they connect, time out,
describe failures and keep passwords out of texts the same way.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import aiosmtplib

QUIT_TIMEOUT = 2.0  # bounds the polite goodbye; every result is already known by then
CLOSE_GRACE = 2.0  # time for a TLS close_notify exchange before the socket is aborted
MAX_TEXT = 300
SECURITY = ("starttls", "tls", "none")
# What can go wrong on the wire; anything else is a bug and propagates. ssl.SSLError and
# TimeoutError are OSErrors; ValueError covers aiosmtplib's refusal to write bad bytes.
NETWORK_FAILURES = (aiosmtplib.SMTPException, OSError, ValueError)


@dataclass(frozen=True)
class ServerLogin:
    """How to reach and log in to one SMTP or IMAP server. The password never shows in
    ``repr`` (tracebacks, logs)."""

    host: str
    port: int
    security: str = "starttls"  # starttls | tls | none
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 15.0
    verify_tls: bool = True


class StoredServer(Protocol):
    """A server as a mailbox stores it: everything but the password (a secret's name)."""

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def security(self) -> str: ...

    @property
    def username(self) -> str: ...


def login_for(
    server: StoredServer, password: str, timeout: float = 15.0, verify_tls: bool = True
) -> ServerLogin:
    return ServerLogin(
        server.host, server.port, server.security, server.username, password, timeout, verify_tls
    )


@dataclass(frozen=True)
class Failure:
    """Why a network step failed: the server's reply code (None when no reply came) and a
    one-line account."""

    code: int | None
    text: str


def tls_context(verify: bool) -> ssl.SSLContext:
    """A client TLS context, shared per process: building one loads the system's trust
    store (about a tenth of a send-worker run when made per sender), and a configured
    context is safe to share between connections and threads. Keyed by the trust-store
    variables too, so pointing them elsewhere takes effect."""
    return _tls_context(verify, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=8)
def _tls_context(verify: bool, _cafile: str | None, _capath: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class TrackedSMTP(aiosmtplib.SMTP):
    """aiosmtplib client that remembers the transports it closed, so they can be aborted (a
    timed-out TLS close would otherwise linger), and that tells when the socket is gone."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed_transports: list[asyncio.Transport] = []

    def close(self) -> None:
        if self.transport is not None:
            self.closed_transports.append(cast("asyncio.Transport", self.transport))
        super().close()

    def _on_connection_lost(self, protocol: Any) -> None:
        super()._on_connection_lost(protocol)
        if not self.lost.done():
            self.lost.set_result(None)

    def abort(self) -> None:
        """Drop the socket now: no QUIT, no TLS goodbye (the session is broken or unwanted)."""
        self.close()
        for transport in self.closed_transports:
            transport.abort()


def exception_chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found and len(found) < 8:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def first_of(chain: list[BaseException], *kinds: type[BaseException]) -> Any:
    return next((exc for exc in chain if isinstance(exc, kinds)), None)


def _tls_text(error: ssl.SSLError) -> str:
    if not error.reason:
        return f"TLS failed: {error}"
    reason = error.reason.lower().replace("_", " ")
    if error.reason == "WRONG_VERSION_NUMBER":
        reason += " (the port does not speak implicit TLS; try starttls)"
    return f"TLS failed: {reason}"


def _handshake_timeout(chain: list[BaseException]) -> bool:
    """asyncio's TLS handshake timeout surfaces as a ConnectionAbortedError."""
    aborted = first_of(chain, ConnectionAbortedError)
    return aborted is not None and "taking longer" in str(aborted)


def describe(exc: BaseException, timeout: float) -> Failure:
    """The server's reply code and a one-line, traceback-free account of a failed step."""
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 100:
        return Failure(exc.code, exc.message)
    chain = exception_chain(exc)
    if (cert := first_of(chain, ssl.SSLCertVerificationError)) is not None:
        return Failure(None, f"TLS certificate verify failed: {cert.verify_message}")
    if (tls := first_of(chain, ssl.SSLError)) is not None:
        return Failure(None, _tls_text(tls))
    if first_of(chain, TimeoutError) is not None or _handshake_timeout(chain):
        return Failure(None, f"timed out after {timeout:g}s")
    if (dns := first_of(chain, socket.gaierror)) is not None:
        return Failure(None, f"host not found ({dns.strerror})")
    if first_of(chain, ConnectionRefusedError) is not None:
        return Failure(None, "connection refused")
    if isinstance(exc, aiosmtplib.SMTPConnectError):
        return Failure(None, str(exc))
    if first_of(chain, ConnectionError) is not None:
        return Failure(None, "connection lost")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return Failure(None, f"malformed reply: {exc.message}")
    return Failure(None, str(exc) or type(exc).__name__)


def clean(text: str, password: str) -> str:
    """Single line, bounded, and never the password (a server might echo what it got)."""
    text = " ".join(text.split())
    if password:
        text = text.replace(password, "***")
    return text[:MAX_TEXT]


async def quit_politely(client: TrackedSMTP, timeout: float = QUIT_TIMEOUT) -> None:
    """QUIT (errors ignored), close, give TLS a moment to say goodbye, then abort."""
    try:
        await asyncio.wait_for(client.quit(), timeout)
    except NETWORK_FAILURES:
        pass
    client.close()
    try:
        await asyncio.wait_for(asyncio.shield(client.lost), CLOSE_GRACE)
    except TimeoutError:
        pass
    client.abort()


def resolve(host: str, port: int, timeout: float) -> list[Any]:
    """getaddrinfo bounded by ``timeout`` (a daemon thread, so a stuck resolver is abandoned)."""
    box: dict[str, Any] = {}

    def lookup() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as exc:  # noqa: BLE001 - handed to the caller, which re-raises it
            box["error"] = exc

    worker = threading.Thread(target=lookup, name="mail-server-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if "error" in box:
        raise box["error"]
    if "infos" not in box:
        raise TimeoutError(f"DNS lookup of {host} timed out")
    return box["infos"]


def open_tcp(host: str, port: int, timeout: float) -> socket.socket:
    """A connected blocking socket (timeout set), trying each resolved address in turn."""
    deadline = time.monotonic() + timeout
    error: OSError = OSError(f"no address found for {host}")
    for family, kind, proto, _, address in resolve(host, port, timeout):
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


def peer(sock: socket.socket) -> str:
    host, port = sock.getpeername()[:2]
    return f"connected to {host}:{port}"


def tls_summary(version: str | None, cipher: tuple[str, str, int] | None) -> str:
    return f"{version or 'TLS'} {cipher[0] if cipher else ''}".strip()
