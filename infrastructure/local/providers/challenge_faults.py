"""The ``IssueCertificate`` fault: the local CA sees a wrong DNS-01 value, so the challenge
fails for real (pebble marks it invalid, the order is refused, ``AcmeCertificateAuthority``
raises ``CertificateRejected`` and the state machine rolls back).

``FaultyChallengeDns`` is a DNS forwarder that pebble is pointed at (``LocalPebble(dns_port=
faulty.port)``) instead of the local DNS server itself. It passes every query through to the
upstream server, except a TXT question for an ``_acme-challenge.`` name while
``faults.take("IssueCertificate")`` is true: that one is answered with a value no order has.

Why here and not in ``publish`` (writing a wrong TXT record): the CA waits until the *right*
value is visible through the platform's resolver before it answers the challenge (so a record
that has not propagated is ``DnsNotVisible``, retried, not a refused order). A wrong record
would only ever end in ``DnsNotVisible`` after the wait, never in a failed validation. Lying to
the CA alone keeps the production path (publish, wait until visible, answer, unpublish)
unchanged and makes the CA's own validation fail, which is what the fault is meant to test.

``faults`` is anything with ``take(step: str) -> bool`` (``providers.faults.StepFaults``).
"""

from __future__ import annotations

import socketserver
import struct
import threading
from typing import Any, Protocol

import dns.exception
import dns.message
import dns.query
import dns.rdatatype
import dns.rrset

STEP = "IssueCertificate"
WRONG_VALUE = "pm-injected-fault-not-the-challenge-value"
UPSTREAM_TIMEOUT = 5.0


class Faults(Protocol):
    def take(self, step: str) -> bool: ...


class _Udp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.owner.answer(data)  # type: ignore[attr-defined]
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _Tcp(socketserver.StreamRequestHandler):
    timeout = 10

    def handle(self) -> None:
        try:
            while len(prefix := self.rfile.read(2)) == 2:
                query = self.rfile.read(struct.unpack("!H", prefix)[0])
                reply = self.server.owner.answer(query, udp=False)  # type: ignore[attr-defined]
                if reply is None:
                    return
                self.wfile.write(struct.pack("!H", len(reply)) + reply)
        except OSError:
            return


class _UdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultyChallengeDns:
    """A forwarder to ``upstream_host:upstream_port`` that lies about DNS-01 challenges when
    the ``IssueCertificate`` fault is on; UDP and TCP on one port of ``host``."""

    def __init__(
        self,
        upstream_port: int,
        faults: Faults,
        host: str = "127.0.0.1",
        upstream_host: str = "127.0.0.1",
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.faults = faults
        self.host = host
        self.port = 0
        self.injected = 0
        self._servers: list[socketserver.BaseServer] = []

    def start(self) -> None:
        if self._servers:
            return
        for _ in range(20):  # a UDP port whose TCP twin is free too
            udp = _UdpServer((self.host, 0), _Udp)
            try:
                tcp = _TcpServer((self.host, udp.server_address[1]), _Tcp)
                break
            except OSError:
                udp.server_close()
        else:
            raise OSError(f"no port free for both UDP and TCP on {self.host}")
        self.port = udp.server_address[1]
        for server in (udp, tcp):
            server.owner = self  # type: ignore[attr-defined]
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            ).start()
            self._servers.append(server)

    def stop(self) -> None:
        servers, self._servers = self._servers, []
        for server in servers:
            server.shutdown()
            server.server_close()

    def answer(self, data: bytes, udp: bool = True) -> bytes | None:
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return None
        if self._is_challenge(query) and self.faults.take(STEP):
            self.injected += 1
            return self._wrong(query).to_wire()
        host, port = self.upstream
        ask = dns.query.udp if udp else dns.query.tcp
        try:
            reply: Any = ask(query, host, timeout=UPSTREAM_TIMEOUT, port=port)
        except (dns.exception.DNSException, OSError):
            return None  # the asker times out, as with a dead server
        return bytes(reply.to_wire())

    @staticmethod
    def _is_challenge(query: dns.message.Message) -> bool:
        return len(query.question) == 1 and (
            query.question[0].rdtype == dns.rdatatype.TXT
            and query.question[0].name.to_text().lower().startswith("_acme-challenge.")
        )

    @staticmethod
    def _wrong(query: dns.message.Message) -> dns.message.Message:
        reply = dns.message.make_response(query)
        name = query.question[0].name
        reply.answer.append(dns.rrset.from_text(name, 60, "IN", "TXT", f'"{WRONG_VALUE}"'))
        return reply
