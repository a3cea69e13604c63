"""Fault tests for ``MailboxSender`` against real SMTP servers on loopback.

The happy paths, AUTH, certificate checks, SMTPUTF8 and the mailbox simulator
(``bounce@``/``defer@``) run against the platform's own ``LocalSmtpServer`` (STARTTLS with its
self-signed certificate, AUTH after STARTTLS) with a handler that counts sessions, AUTH attempts
and concurrent DATA commands. Faults that server cannot produce (silence, a drop mid-DATA, 421,
broken STARTTLS, no SMTPUTF8) come from ``FaultServer``, a tiny plain-text ESMTP server on a
background event loop. Timeouts here only stop a broken run from hanging; no test asserts on
wall-clock time.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from typing import Any

import pytest
from aiosmtpd.smtp import MISSING

from chalicelib.mail.connection import ServerLogin as SmtpEndpoint
from chalicelib.sending.rules.delivery import classify
from chalicelib.sending.smtp_sender import (
    CLOSED,
    NO_SMTPUTF8,
    NOT_CLAIMED,
    Envelope,
    MailboxSender,
    SmtpResult,
)
from infrastructure.local.mail_simulator import SIM_DOMAIN
from infrastructure.local.smtp_server import LocalSmtpHandler, LocalSmtpServer

HOST = "127.0.0.1"
USER = "alice@demo.test"
PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "wrong horse battery staple"
HANG_GUARD = 30.0  # only stops a broken run from hanging; never an assertion
SHORT_TIMEOUT = 0.5  # the endpoint timeout where a test waits for silence
REPLY_TIMEOUT = 2.0  # where the same sender must also get prompt replies from a fault server


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_leaked_sockets() -> Iterator[None]:
    """Every socket the sender opened must be closed once its loop is done (no ResourceWarning).
    Garbage left by earlier tests is collected first, so only this test's sockets count."""
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    for other in caught:
        if not issubclass(other.category, ResourceWarning):  # hand the rest back to pytest
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    assert not leaks


class WatchingHandler(LocalSmtpHandler):
    """The platform handler plus counters: sessions that said EHLO, AUTH attempts, and DATA
    commands in flight. With ``hold`` set, DATA commands wait until ``hold`` are in flight."""

    def __init__(self, sink: Any, simulator: Any = None) -> None:
        super().__init__(sink, simulator)
        self.sessions: set[Any] = set()
        self.auth_attempts = 0
        self.in_flight = self.max_in_flight = 0
        self.hold = 0
        self._all_in = asyncio.Event()

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        self.sessions.add(session.peer)
        session.host_name = hostname  # aiosmtpd leaves this to an EHLO hook
        return responses

    async def handle_AUTH(self, server, session, envelope, args) -> Any:
        self.auth_attempts += 1
        return MISSING  # let aiosmtpd run the server's own authenticator

    async def handle_DATA(self, server, session, envelope) -> str:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.in_flight >= self.hold:
                self._all_in.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_in.wait(), HANG_GUARD)
            return await super().handle_DATA(server, session, envelope)
        finally:
            self.in_flight -= 1


@pytest.fixture
def smtp() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer(HOST, 0, handler_class=WatchingHandler)
    server.start()
    server.add_user(USER, PASSWORD)
    yield server
    server.stop()


def watcher(server: LocalSmtpServer) -> WatchingHandler:
    assert isinstance(server.handler, WatchingHandler)
    return server.handler


class FaultServer:
    """Plain-text ESMTP server (no TLS, no AUTH) whose subclasses misbehave on cue.

    Counts connections, keeps the MAIL commands and message bodies it accepted. Hooks get the
    connection's index (0 for the first). Runs on the ``fault_loop`` thread.
    """

    extensions: tuple[bytes, ...] = (b"8BITMIME", b"SIZE 10000000", b"ENHANCEDSTATUSCODES")

    def __init__(self) -> None:
        self.connections = 0
        self.active = 0
        self.mail_commands: list[bytes] = []
        self.messages: list[bytes] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    # hooks

    def greeting(self, index: int) -> bytes | None:
        """The first line; None keeps silent; a 4xx/5xx greeting is followed by hanging up."""
        return b"220 fault.test ESMTP\r\n"

    async def command(
        self,
        index: int,
        verb: bytes,
        line: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bytes | None:
        """The reply to one command line; None hangs up."""
        if verb == b"EHLO":
            lines = [b"fault.test", *self.extensions]
            return (
                b"".join(b"250-" + x + b"\r\n" for x in lines[:-1]) + b"250 " + lines[-1] + b"\r\n"
            )
        if verb == b"MAIL":
            self.mail_commands.append(line)
            return b"250 2.1.0 OK\r\n"
        if verb == b"DATA":
            writer.write(b"354 go ahead\r\n")
            self.messages.append(await reader.readuntil(b"\r\n.\r\n"))
            return b"250 2.0.0 OK queued\r\n"
        if verb == b"STARTTLS":
            return b"454 4.7.0 TLS not available\r\n"
        if verb == b"QUIT":
            return b"221 2.0.0 Bye\r\n"
        known = {b"RCPT": b"250 2.1.5 OK\r\n", b"RSET": b"250 2.0.0 OK\r\n"}
        return known.get(verb, b"500 5.5.2 unknown command\r\n")

    # plumbing

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index, self.connections = self.connections, self.connections + 1
        self.active += 1
        self._writers.add(writer)
        try:
            await self._converse(index, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self.active -= 1
            self._writers.discard(writer)
            writer.transport.abort()

    async def _converse(
        self, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        greeting = self.greeting(index)
        if greeting is None:
            await reader.read()  # hold the line, saying nothing, until the client leaves
            return
        writer.write(greeting)
        if not greeting.startswith(b"2"):
            return
        while line := await reader.readline():
            verb = line.split(b" ", 1)[0].strip().upper()
            reply = await self.command(index, verb, line, reader, writer)
            if reply is None:
                return
            writer.write(reply)
            await writer.drain()
            if verb == b"QUIT":
                return


@pytest.fixture(scope="module")
def fault_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fault-smtp", daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(HANG_GUARD)
    loop.close()


@pytest.fixture
def serve(fault_loop: asyncio.AbstractEventLoop) -> Iterator[Callable[[FaultServer], FaultServer]]:
    """Start a FaultServer on the background loop; every one started is stopped afterwards."""
    started: list[FaultServer] = []

    def start(server: FaultServer) -> FaultServer:
        asyncio.run_coroutine_threadsafe(server.start(), fault_loop).result(HANG_GUARD)
        started.append(server)
        return server

    yield start
    for server in started:
        asyncio.run_coroutine_threadsafe(server.stop(), fault_loop).result(HANG_GUARD)


# --- helpers ------------------------------------------------------------------------------------


def endpoint(port: int, security: str = "starttls", **overrides: Any) -> SmtpEndpoint:
    settings: dict[str, Any] = {"username": USER, "password": PASSWORD, "verify_tls": False}
    if security == "none":
        settings |= {"username": "", "password": ""}
    settings |= {"timeout": HANG_GUARD} | overrides
    return SmtpEndpoint(HOST, port, security, **settings)


def envelope(rcpt: str, subject: str = "Hello", *, smtputf8: bool = False) -> Envelope:
    message = EmailMessage()
    message["From"] = USER
    message["To"] = rcpt
    message["Subject"] = subject
    message.set_content("Hi there,\n.a line that starts with a dot\nBye\n")
    policy = SMTPUTF8 if smtputf8 else SMTP
    return Envelope(USER, rcpt, message.as_bytes(policy=policy), smtputf8)


def run_with(sender: MailboxSender, scenario: Callable[[MailboxSender], Awaitable[Any]]) -> Any:
    """Run ``scenario(sender)`` on a fresh loop and always close the sender there."""

    async def main() -> Any:
        try:
            return await asyncio.wait_for(scenario(sender), HANG_GUARD)
        finally:
            await sender.close()

    return asyncio.run(main())


def send_all(sender: MailboxSender, envelopes: list[Envelope]) -> list[SmtpResult]:
    """Send one after the other."""

    async def scenario(s: MailboxSender) -> list[SmtpResult]:
        return [await s.send(e) for e in envelopes]

    return run_with(sender, scenario)


def send_concurrently(sender: MailboxSender, envelopes: list[Envelope]) -> list[SmtpResult]:
    async def scenario(s: MailboxSender) -> list[SmtpResult]:
        return list(await asyncio.gather(*(s.send(e) for e in envelopes)))

    return run_with(sender, scenario)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- the platform's server ----------------------------------------------------------------------


def test_sequential_sends_reuse_one_connection(smtp: LocalSmtpServer) -> None:
    # given
    envelopes = [envelope(f"lead{i}@prospect.test", f"Message {i}") for i in range(10)]
    sender = MailboxSender(endpoint(smtp.port), connections=2)

    # when
    results = send_all(sender, envelopes)

    # then
    assert all(r.accepted and r.code == 250 and r.stage == "done" for r in results)
    stored = smtp.messages()
    assert [m["rcpt_tos"] for m in stored] == [[e.rcpt_to] for e in envelopes]
    assert results[0].text.endswith(stored[0]["id"])
    assert len(watcher(smtp).sessions) == 1
    assert len({m["peer"] for m in stored}) == 1
    assert all(m["tls"] and m["auth_user"] == USER for m in stored)
    assert stored[0]["raw"].encode() == envelopes[0].data  # dot-stuffing undone, CRLF kept


def test_concurrent_sends_use_at_most_the_connection_limit(smtp: LocalSmtpServer) -> None:
    # given: DATA commands wait until three are in flight, so the sessions overlap
    watcher(smtp).hold = 3
    envelopes = [envelope(f"lead{i}@prospect.test") for i in range(12)]
    sender = MailboxSender(endpoint(smtp.port), connections=3)

    # when
    results = send_concurrently(sender, envelopes)

    # then
    assert all(r.accepted for r in results)
    assert watcher(smtp).max_in_flight == 3
    assert len(watcher(smtp).sessions) == 3
    assert sorted(m["rcpt_tos"][0] for m in smtp.messages()) == sorted(e.rcpt_to for e in envelopes)


def test_a_message_is_claimed_only_once_it_holds_a_ready_session(smtp: LocalSmtpServer) -> None:
    # given: four messages, one connection; each claim notes how many sessions said EHLO
    # and how many messages the server has stored by then
    sender = MailboxSender(endpoint(smtp.port), connections=1)
    claims: list[tuple[str, int, int]] = []

    def claim_for(rcpt: str) -> Callable[[], Awaitable[bool]]:
        async def claim() -> bool:
            claims.append((rcpt, len(watcher(smtp).sessions), len(smtp.messages())))
            return rcpt != "taken@prospect.test"  # another worker owns this one

        return claim

    rcpts = ["a@prospect.test", "taken@prospect.test", "b@prospect.test", "c@prospect.test"]

    async def scenario(s: MailboxSender) -> list[SmtpResult]:
        return list(await asyncio.gather(*(s.send(envelope(r), claim_for(r)) for r in rcpts)))

    # when
    results = run_with(sender, scenario)

    # then: every claim came with the session up and right before its own transaction
    # (the messages before it already stored, none after), and a refused claim sent nothing
    assert [c[1] for c in claims] == [1, 1, 1, 1]
    assert sorted(c[2] for c in claims) == [0, 1, 1, 2]
    assert results[1] == NOT_CLAIMED
    assert [r.accepted for r in results] == [True, False, True, True]
    assert sorted(m["rcpt_tos"][0] for m in smtp.messages()) == [
        "a@prospect.test",
        "b@prospect.test",
        "c@prospect.test",
    ]


def test_a_session_that_cannot_be_set_up_never_claims(smtp: LocalSmtpServer) -> None:
    sender = MailboxSender(endpoint(smtp.port, password=WRONG_PASSWORD), connections=2)
    asked: list[str] = []

    async def claim() -> bool:
        asked.append("claim")
        return True

    async def scenario(s: MailboxSender) -> SmtpResult:
        return await s.send(envelope("a@prospect.test"), claim)

    result = run_with(sender, scenario)
    assert result.stage == "auth" and result.code == 535
    assert asked == []


def test_auth_failure_is_535_once_then_short_circuits(smtp: LocalSmtpServer) -> None:
    # given
    wrong = endpoint(smtp.port, password=WRONG_PASSWORD)
    sender = MailboxSender(wrong, connections=3)

    # when: eight tasks at once, then one more
    async def scenario(s: MailboxSender) -> list[SmtpResult]:
        burst = await asyncio.gather(*(s.send(envelope(f"l{i}@p.test")) for i in range(8)))
        return [*burst, await s.send(envelope("late@p.test"))]

    results = run_with(sender, scenario)

    # then: one session, one AUTH attempt, the same answer for every message
    assert {(r.code, r.stage) for r in results} == {(535, "auth")}
    assert "5.7.8" in results[0].text and WRONG_PASSWORD not in results[0].text
    assert watcher(smtp).auth_attempts == 1
    assert len(watcher(smtp).sessions) == 1
    assert smtp.messages() == []


def test_unverifiable_certificate_fails_at_tls(smtp: LocalSmtpServer) -> None:
    sender = MailboxSender(endpoint(smtp.port, verify_tls=True))

    results = send_all(sender, [envelope("a@p.test"), envelope("b@p.test")])

    assert results[0].code is None and results[0].stage == "tls"
    assert "certificate verify failed" in results[0].text
    assert results[1] == results[0]
    assert len(watcher(smtp).sessions) == 1  # the second send did not reconnect


def test_hard_bounce_at_rcpt_keeps_the_connection(smtp: LocalSmtpServer) -> None:
    bounce = f"bounce@{SIM_DOMAIN}"
    sender = MailboxSender(endpoint(smtp.port))

    refused, accepted = send_all(sender, [envelope(bounce), envelope("lead@prospect.test")])

    assert (refused.code, refused.stage) == (550, "rcpt")
    assert refused.text.startswith("5.1.1")
    assert classify(refused.code, refused.text, bounce).kind == "bounced"
    assert accepted.accepted
    assert len(watcher(smtp).sessions) == 1  # RSET, then the same session carried the next one
    assert [m["rcpt_tos"] for m in smtp.messages()] == [["lead@prospect.test"]]


def test_deferral_is_451_until_the_simulator_accepts(smtp: LocalSmtpServer) -> None:
    defer = f"defer@{SIM_DOMAIN}"
    sender = MailboxSender(endpoint(smtp.port))

    results = send_all(sender, [envelope(defer) for _ in range(3)])

    assert [(r.code, r.stage) for r in results] == [(451, "rcpt"), (451, "rcpt"), (250, "done")]
    assert classify(results[0].code, results[0].text, defer).kind == "deferred"
    assert len(watcher(smtp).sessions) == 1


def test_smtputf8_recipient_is_delivered(smtp: LocalSmtpServer) -> None:
    # given: one envelope marked SMTPUTF8, one not (a UTF-8 address needs it anyway)
    recipient = "zoë.pingüino@prospect.test"
    marked = envelope(recipient, "Grüße, Zoë", smtputf8=True)
    unmarked = Envelope(USER, recipient, marked.data)
    sender = MailboxSender(endpoint(smtp.port))

    # when
    results = send_all(sender, [marked, unmarked])

    # then
    assert all(r.accepted for r in results)
    stored = smtp.messages()
    assert [m["rcpt_tos"] for m in stored] == [[recipient], [recipient]]
    assert "Subject: Grüße, Zoë" in stored[0]["raw"]


def test_closed_sender_refuses_without_network(smtp: LocalSmtpServer) -> None:
    sender = MailboxSender(endpoint(smtp.port))

    async def scenario(s: MailboxSender) -> tuple[SmtpResult, SmtpResult]:
        first = await s.send(envelope("a@p.test"))
        await s.close()
        return first, await s.send(envelope("b@p.test"))

    first, after = run_with(sender, scenario)

    assert first.accepted
    assert after == CLOSED
    assert len(smtp.messages()) == 1


# --- faults -------------------------------------------------------------------------------------


def test_nothing_listening_fails_at_connect_once() -> None:
    port = free_port()
    sender = MailboxSender(endpoint(port, "none"), connections=2)

    async def scenario(s: MailboxSender) -> tuple[SmtpResult, SmtpResult, bool]:
        first = await s.send(envelope("a@p.test"))
        # something listens now: a second attempt would reach it
        with socket.create_server((HOST, port)) as listener:
            second = await s.send(envelope("b@p.test"))
            listener.setblocking(False)
            try:
                listener.accept()[0].close()
            except BlockingIOError:
                return first, second, False
            return first, second, True

    first, second, reconnected = run_with(sender, scenario)

    assert first == SmtpResult(None, "connection refused", "connect")
    assert second == first
    assert not reconnected


def test_silent_server_times_out_at_connect(serve: Callable[[FaultServer], FaultServer]) -> None:
    class Silent(FaultServer):
        def greeting(self, index: int) -> bytes | None:
            return None

    server = serve(Silent())
    sender = MailboxSender(endpoint(server.port, "none", timeout=SHORT_TIMEOUT))

    results = send_all(sender, [envelope("a@p.test"), envelope("b@p.test")])

    assert results[0] == SmtpResult(None, f"timed out after {SHORT_TIMEOUT:g}s", "connect")
    assert results[1] == results[0]
    assert server.connections == 1


class NoStartTls(FaultServer):
    pass  # the base server never offers STARTTLS


class StartTlsThenGarbage(FaultServer):
    extensions = (*FaultServer.extensions, b"STARTTLS")

    async def command(self, index: int, verb: bytes, line: bytes, reader, writer) -> bytes | None:
        if verb == b"STARTTLS":
            writer.write(b"220 2.0.0 Ready to start TLS\r\n")
            await reader.read(5)  # the client's handshake has begun; answer it with plain text
            return b"this is not a TLS handshake\r\n" * 20
        return await super().command(index, verb, line, reader, writer)


@pytest.mark.parametrize(
    ("server_class", "security", "detail"),
    [
        (NoStartTls, "starttls", "STARTTLS extension not supported"),
        (StartTlsThenGarbage, "starttls", "TLS failed"),
        (FaultServer, "tls", "TLS failed"),  # implicit TLS against a plain-text server
    ],
)
def test_tls_failure_is_reported_at_tls(
    serve: Callable[[FaultServer], FaultServer],
    server_class: type[FaultServer],
    security: str,
    detail: str,
) -> None:
    server = serve(server_class())
    sender = MailboxSender(endpoint(server.port, security))

    results = send_all(sender, [envelope("a@p.test"), envelope("b@p.test")])

    assert results[0].code is None and results[0].stage == "tls"
    assert detail in results[0].text
    assert results[1] == results[0]
    assert server.connections == 1
    assert server.mail_commands == []


def test_drop_mid_data_fails_that_message_and_reconnects(
    serve: Callable[[FaultServer], FaultServer],
) -> None:
    # given: the first connection hangs up once part of the message has arrived
    class DropsInFirstData(FaultServer):
        async def command(self, index, verb, line, reader, writer) -> bytes | None:
            if verb == b"DATA" and index == 0:
                writer.write(b"354 go ahead\r\n")
                await reader.read(1)
                return None
            return await super().command(index, verb, line, reader, writer)

    server = serve(DropsInFirstData())
    sender = MailboxSender(endpoint(server.port, "none"))

    # when
    dropped, accepted = send_all(sender, [envelope("a@p.test", "first"), envelope("b@p.test")])

    # then: no reply for the first (never resent here), the second went on a new connection
    assert dropped == SmtpResult(None, "connection lost", "data")
    assert classify(dropped.code, dropped.text, "a@p.test").kind == "deferred"
    assert accepted.accepted
    assert server.connections == 2
    assert len(server.messages) == 1 and b"To: b@p.test" in server.messages[0]


def test_no_reply_to_data_times_out_and_reconnects(
    serve: Callable[[FaultServer], FaultServer],
) -> None:
    # given: the first connection takes the whole message and never answers it
    class MuteAfterFirstData(FaultServer):
        async def command(self, index, verb, line, reader, writer) -> bytes | None:
            if verb == b"DATA" and index == 0:
                writer.write(b"354 go ahead\r\n")
                await reader.readuntil(b"\r\n.\r\n")
                await reader.read()  # until the client gives up
                return None
            return await super().command(index, verb, line, reader, writer)

    server = serve(MuteAfterFirstData())
    sender = MailboxSender(endpoint(server.port, "none", timeout=REPLY_TIMEOUT))

    # when
    timed_out, accepted = send_all(sender, [envelope("a@p.test"), envelope("b@p.test")])

    # then
    assert timed_out == SmtpResult(None, f"timed out after {REPLY_TIMEOUT:g}s", "data")
    assert accepted.accepted
    assert server.connections == 2


def test_421_mid_session_discards_the_connection(
    serve: Callable[[FaultServer], FaultServer],
) -> None:
    # given: the first connection takes one message, then closes with 421 at the next MAIL
    class ClosesAfterOneMessage(FaultServer):
        async def command(self, index, verb, line, reader, writer) -> bytes | None:
            if verb == b"MAIL" and index == 0 and self.messages:
                writer.write(b"421 4.7.0 Too many messages for this session\r\n")
                return None
            return await super().command(index, verb, line, reader, writer)

    server = serve(ClosesAfterOneMessage())
    sender = MailboxSender(endpoint(server.port, "none"))

    # when
    results = send_all(sender, [envelope(f"l{i}@p.test") for i in range(3)])

    # then
    assert [(r.code, r.stage) for r in results] == [(250, "done"), (421, "mail"), (250, "done")]
    assert server.connections == 2
    assert len(server.messages) == 2


def test_421_greeting_beside_an_open_session_shrinks_the_pool(
    serve: Callable[[FaultServer], FaultServer],
) -> None:
    # given: a server that serves one session at a time and turns others away with 421
    class OneSessionAtATime(FaultServer):
        refused = 0

        def greeting(self, index: int) -> bytes | None:
            if self.active > 1:
                self.refused += 1
                return b"421 4.7.0 Too many concurrent connections\r\n"
            return super().greeting(index)

    server = serve(OneSessionAtATime())
    sender = MailboxSender(endpoint(server.port, "none"), connections=3)

    # when
    results = send_concurrently(sender, [envelope(f"l{i}@p.test") for i in range(6)])

    # then: each extra slot was tried once and given up; every message went on the one session
    assert all(r.accepted for r in results)
    assert server.refused == 2
    assert len(server.messages) == 6


def test_smtputf8_needed_but_not_offered_is_555_without_mail(
    serve: Callable[[FaultServer], FaultServer],
) -> None:
    server = serve(FaultServer())  # no SMTPUTF8 in its EHLO
    sender = MailboxSender(endpoint(server.port, "none"))

    utf8, ascii_only = send_all(
        sender, [envelope("zoë@prospect.test", smtputf8=True), envelope("zoe@prospect.test")]
    )

    assert utf8 == NO_SMTPUTF8 and (utf8.code, utf8.stage) == (555, "mail")
    assert ascii_only.accepted
    assert [line.split(b" ")[1] for line in server.mail_commands] == [f"FROM:<{USER}>".encode()]
    assert server.connections == 1


def test_control_characters_in_an_address_are_refused_locally(
    serve: Callable[[FaultServer], FaultServer],
) -> None:
    server = serve(FaultServer())
    sender = MailboxSender(endpoint(server.port, "none"))

    smuggler = Envelope(USER, "lead@p.test\r\nRCPT TO:<x@evil.test>", b"Subject: x\r\n\r\nx\r\n")

    result = send_all(sender, [smuggler])[0]

    assert (result.code, result.stage) == (553, "rcpt")
    assert server.connections == 0


def test_address_aiosmtplib_will_not_write_is_553_and_keeps_the_session(
    serve: Callable[[FaultServer], FaultServer],
) -> None:
    server = serve(FaultServer())
    sender = MailboxSender(endpoint(server.port, "none"))
    spaced = Envelope(USER, "lead name@p.test", b"Subject: x\r\n\r\nx\r\n")

    refused, accepted = send_all(sender, [spaced, envelope("lead@p.test")])

    assert (refused.code, refused.stage) == (553, "rcpt")
    assert refused.text.startswith("5.1.3 ")
    assert accepted.accepted
    assert server.connections == 1
    assert len(server.messages) == 1
