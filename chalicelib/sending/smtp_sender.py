"""Sending a worker batch's messages through one mailbox's SMTP server over a few reused
connections (aiosmtplib), one ``SmtpResult`` per message and never an exception for SMTP or
network trouble.

Owns: opening, reusing, resetting and closing the mailbox's SMTP sessions, and turning every
reply or failure into (code, text, stage). What a result *means* (retry, bounce, suppress) is
``chalicelib.sending.rules.delivery.classify``'s business; this module never retries a message.

Decisions:

- Connections open lazily, at most ``connections`` of them, each carrying one transaction at a
  time. Idle connections are reused last-in first-out, so a caller sending one message at a
  time keeps using a single session.
- Setup is connect (implicit TLS for ``tls``), EHLO, STARTTLS + EHLO again (aiosmtplib forgets
  the extensions and does not re-EHLO before AUTH), then AUTH with one mechanism (PLAIN, else
  LOGIN, else CRAM-MD5), so a wrong password costs the account one failed login, not three.
- Setup failures latch: after one failed connect, TLS or AUTH, every later ``send`` of this
  sender returns that same result without touching the network (a batch lasts seconds; the
  caller's backoff decides when to try again, and hammering a refusing server gets accounts
  locked). Until one setup has succeeded, setups run one at a time, so concurrent callers
  cost a dead server one attempt, not ``connections``. One exception: a transient setup
  failure (4xx or no reply) while another session of this sender is open means the server
  limits concurrent sessions ("421 4.7.0 too many connections"); that slot is given up for
  the batch and the message, none of which was sent, waits for a remaining connection.
- Transaction failures are the message's own result and are never retried here: a refused
  MAIL, RCPT or DATA (any 4xx/5xx other than 421) is followed by RSET and the session keeps
  serving; a dropped connection, a timeout, a 421 or a malformed reply discards the session
  and the next ``send`` opens a new one. A session found closed while idle is replaced
  before the message starts.
- SMTPUTF8 is requested when the envelope says so or when an address is not ASCII (the
  extension is then mandatory). A server that does not offer it gets nothing: the result is
  ``555 5.6.7`` at stage ``mail``, the permanent failure a relaying MTA would report.
- An address SMTP cannot carry is ``553 5.1.3`` at stage ``mail`` or ``rcpt``: one holding
  control characters before any network step, one aiosmtplib refuses to write (whitespace or
  angle brackets outside a quoted local part) with RSET after it, keeping the session.
- Texts are single-line, bounded and never contain the password.
- A caller may pass ``claim``: it is awaited when the message holds a ready session, right
  before MAIL FROM, so a message is marked as being sent only when it is about to reach the
  server (a worker that dies leaves at most ``connections`` messages in that state). A
  message whose session could not be set up never calls it.

A sender belongs to one event loop. Call ``close()`` once every ``send`` has returned; sends
still in flight then end with code None, never with a duplicate.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosmtplib

from chalicelib.mail.connection import (
    NETWORK_FAILURES,
    ServerLogin,
    TrackedSMTP,
    clean,
    describe,
    exception_chain,
    first_of,
    quit_politely,
    tls_context,
)

EHLO_HOSTNAME = "mailer.penguinmails.local"  # fixed: socket.getfqdn() may stall on a resolver
AUTH_PREFERENCE = ("plain", "login", "cram-md5")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_to: str
    data: bytes  # RFC 5322 bytes, CRLF
    smtputf8: bool = False


@dataclass(frozen=True)
class SmtpResult:
    code: int | None  # the server's reply code; None when no reply came
    text: str  # the server's reply text, or a short account of the failure
    stage: str  # connect | tls | auth | claim | mail | rcpt | data | done

    @property
    def accepted(self) -> bool:
        return self.stage == "done" and self.code is not None and 200 <= self.code < 300


NO_SMTPUTF8 = SmtpResult(555, "5.6.7 SMTPUTF8 is required but the server does not offer it", "mail")
CLOSED = SmtpResult(None, "sender is closed", "connect")
NOT_CLAIMED = SmtpResult(None, "another worker owns the message; nothing was sent", "claim")
Claim = Callable[[], Awaitable[bool]]


class _Retire:
    """Setup outcome: give this slot up and let the message wait for another connection."""


_RETIRE = _Retire()


class _Slot:
    """One of the sender's connection places: its session (None until opened) and what the
    server offered on it."""

    __slots__ = ("client", "size", "smtputf8", "eightbit")

    def __init__(self) -> None:
        self.client: TrackedSMTP | None = None
        self.size = self.smtputf8 = self.eightbit = False

    def attach(self, client: TrackedSMTP) -> None:
        self.client = client
        self.size = client.supports_extension("size")
        self.smtputf8 = client.supports_extension("smtputf8")
        self.eightbit = client.supports_extension("8bitmime")

    def mail_options(self, envelope: Envelope, utf8: bool) -> list[str]:
        options = [f"SIZE={len(envelope.data)}"] if self.size else []
        if utf8:
            options.append("SMTPUTF8")
        if self.eightbit and not envelope.data.isascii():
            options.append("BODY=8BITMIME")
        return options

    @property
    def open(self) -> bool:
        return self.client is not None and self.client.is_connected


class MailboxSender:
    """One mailbox's SMTP connections for one worker batch: at most `connections` open
    connections, each reused for many messages (one transaction at a time per connection;
    RSET between transactions after a failure)."""

    def __init__(self, endpoint: ServerLogin, connections: int = 2) -> None:
        self._endpoint = endpoint
        self._tls = tls_context(endpoint.verify_tls) if endpoint.security != "none" else None
        self._live = [_Slot() for _ in range(max(1, connections))]
        self._idle = list(self._live)
        self._permits = asyncio.Semaphore(len(self._live))
        self._first = asyncio.Lock()
        self._proven = False  # a setup has succeeded: later setups may run side by side
        self._latched: SmtpResult | None = None

    async def send(self, envelope: Envelope, claim: Claim | None = None) -> SmtpResult:
        """Send one message; never raises for SMTP or network problems. Safe to call from many
        tasks at once: at most ``connections`` transactions run concurrently. ``claim`` is
        awaited once this message holds a ready session, right before MAIL FROM; False ends
        the send with ``NOT_CLAIMED`` and the session stays for the next message."""
        if _CONTROL.search(envelope.mail_from):
            return SmtpResult(553, "5.1.3 sender address holds control characters", "mail")
        if _CONTROL.search(envelope.rcpt_to):
            return SmtpResult(553, "5.1.3 recipient address holds control characters", "rcpt")
        while self._latched is None:
            await self._permits.acquire()
            slot = self._idle.pop()
            try:
                result = await self._send_on(slot, envelope, claim)
            except BaseException:  # cancelled mid-command: the session is out of step
                self._drop(slot)
                self._release(slot)
                raise
            if isinstance(result, _Retire):
                self._live.remove(slot)  # its permit goes with it
                continue
            self._release(slot)
            return result
        return self._latched

    async def close(self) -> None:
        """QUIT every connection (errors ignored); later sends return a failure at once."""
        self._latched = self._latched or CLOSED
        clients = [slot.client for slot in self._live if slot.client is not None]
        for slot in self._live:
            slot.client = None
        await asyncio.gather(*(quit_politely(client) for client in clients))

    # --- one message ------------------------------------------------------------------------

    def _release(self, slot: _Slot) -> None:
        self._idle.append(slot)
        self._permits.release()

    async def _send_on(
        self, slot: _Slot, envelope: Envelope, claim: Claim | None
    ) -> SmtpResult | _Retire:
        if self._latched is not None:  # latched while this task waited for a slot
            return self._latched
        if slot.client is not None and not slot.client.is_connected:
            self._drop(slot)  # the server hung up while the session was idle
        if slot.client is None:
            outcome = await self._open(slot)
            if outcome is not None:
                return outcome
        if claim is not None and not await claim():
            return NOT_CLAIMED
        return await self._transact(slot, envelope)

    async def _transact(self, slot: _Slot, envelope: Envelope) -> SmtpResult:
        client = slot.client
        assert client is not None
        utf8 = envelope.smtputf8 or not (
            envelope.mail_from.isascii() and envelope.rcpt_to.isascii()
        )
        if utf8 and not slot.smtputf8:
            return NO_SMTPUTF8
        encoding = "utf-8" if utf8 else "ascii"
        stage = "mail"
        try:
            await client.mail(
                envelope.mail_from, options=slot.mail_options(envelope, utf8), encoding=encoding
            )
            stage = "rcpt"
            await client.rcpt(envelope.rcpt_to, encoding=encoding)
            stage = "data"
            reply = await client.data(envelope.data)
        except ValueError as exc:  # aiosmtplib would not write this address: the session is intact
            return await self._failed(
                slot, SmtpResult(553, self._clean(f"5.1.3 {exc}"), stage), True
            )
        except NETWORK_FAILURES as exc:
            refused = isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 100
            return await self._failed(slot, self._result(stage, exc), refused)
        return SmtpResult(reply.code, reply.message, "done")

    async def _failed(self, slot: _Slot, result: SmtpResult, refused: bool) -> SmtpResult:
        """A refused command is followed by RSET so the session can carry the next message;
        any other failure (or a failed RSET) leaves the session out of step: drop it."""
        if not (refused and await _reset(slot.client)):
            self._drop(slot)
        return result

    def _drop(self, slot: _Slot) -> None:
        if slot.client is not None:
            slot.client.abort()
            slot.client = None

    # --- sessions ---------------------------------------------------------------------------

    async def _open(self, slot: _Slot) -> SmtpResult | _Retire | None:
        """Set up a session on ``slot``; None when it is ready, else the message's outcome."""
        if not self._proven:
            async with self._first:  # a dead or refusing server costs one attempt, not one per slot
                if self._latched is not None:
                    return self._latched
                if not self._proven:
                    return await self._connect(slot)
        return await self._connect(slot)

    async def _connect(self, slot: _Slot) -> SmtpResult | _Retire | None:
        client, failure = await self._setup()
        if client is not None:
            slot.attach(client)
            self._proven = True
            return None
        assert failure is not None
        transient = failure.code is None or 400 <= failure.code < 500
        if transient and any(other.open for other in self._live if other is not slot):
            return _RETIRE
        self._latched = failure
        return failure

    async def _setup(self) -> tuple[TrackedSMTP | None, SmtpResult | None]:
        endpoint = self._endpoint
        client = TrackedSMTP(
            hostname=endpoint.host,
            port=endpoint.port,
            use_tls=endpoint.security == "tls",
            start_tls=False,
            tls_context=self._tls,
            timeout=endpoint.timeout,
            local_hostname=EHLO_HOSTNAME,
        )
        stage = "connect"
        try:
            await client.connect()
            await client.ehlo()
            if endpoint.security == "starttls":
                stage = "tls"
                await client.starttls()
                await client.ehlo()  # aiosmtplib forgets the extensions and will not re-EHLO
            if endpoint.username:
                stage = "auth"
                await self._login(client)
        except asyncio.CancelledError:
            client.abort()
            raise
        except NETWORK_FAILURES as exc:
            client.abort()
            if stage == "connect" and first_of(exception_chain(exc), ssl.SSLError) is not None:
                stage = "tls"  # implicit TLS: the handshake is part of connecting
            return None, self._result(stage, exc)
        return client, None

    async def _login(self, client: TrackedSMTP) -> None:
        method = next((m for m in AUTH_PREFERENCE if m in client.server_auth_methods), None)
        if method is None:
            raise aiosmtplib.SMTPException("server offers no AUTH mechanism we support")
        login = getattr(client, f"auth_{method.replace('-', '')}")
        await login(self._endpoint.username, self._endpoint.password)

    def _result(self, stage: str, exc: BaseException) -> SmtpResult:
        failure = describe(exc, self._endpoint.timeout)
        return SmtpResult(failure.code, self._clean(failure.text), stage)

    def _clean(self, text: str) -> str:
        return clean(text, self._endpoint.password)


# --- helpers ------------------------------------------------------------------------------------


async def _reset(client: TrackedSMTP | None) -> bool:
    """RSET; False when the session cannot be reset (aiosmtplib already closed it after a
    421, or the RSET itself failed)."""
    if client is None or not client.is_connected:
        return False
    try:
        await client.rset()
    except NETWORK_FAILURES:
        return False
    return True
