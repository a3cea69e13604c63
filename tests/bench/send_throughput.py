"""Send throughput: ``MailboxSender`` against a raw aiosmtplib blast, same server, same messages,
same run.

Server: the platform's ``LocalSmtpServer`` (the tenants' MailU stand-in) on a free loopback port,
in a child process, with STARTTLS and AUTH as the platform's local mailboxes use it (certificate
not verified: the local platform runs with ``verify_tls = not is_local``). The server is pure
Python and shares the machine, so it bounds both figures; compare them with each other, not with
production.

Contenders (``CONTENDERS``; the first is the floor the others are divided by):

- raw aiosmtplib blast: C persistent connections, each ``sendmail()``-ing its share;
- ``MailboxSender(connections=C)``: every message through ``send()`` from one task each;
- the send worker's whole path per message (guards, claim, render, MIME, DKIM-2048 signing,
  send, record) over in-memory stores, sending through ``MailboxSender``.

Each round runs every contender (rotating order, so drift hits all alike) on the whole batch,
connection setup (TLS + AUTH, as a worker batch pays it) included, and on a batch of C messages
(one per connection: mostly setup). Figures are medians over ``--runs`` rounds after one warm-up;
"per message" is (batch - setup batch) / (N - C), in wall clock and in this (client) process's
CPU time. To add a contender, append ``(name, build)`` to ``CONTENDERS``: ``build(endpoint,
concurrency)`` returns an async ``send_all(envelopes)`` that raises ``BenchFailure`` unless every
message was accepted. Prints only; never asserts on time.

Run: ``python -m tests.bench.send_throughput [--runs N] [--messages N] [--concurrency C]``
(``make bench`` runs every bench module).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import NamedTuple

import aiosmtplib

from chalicelib.mail.connection import ServerLogin as SmtpEndpoint
from chalicelib.mail.connection import tls_context
from chalicelib.sending.smtp_sender import Envelope, MailboxSender

HOST = "127.0.0.1"
BENCH_USER = "bench@demo.test"
EHLO_HOSTNAME = "bench.penguinmails.local"
TIMEOUT = 30.0  # per SMTP step; only stops a broken run from hanging
ROOT = Path(__file__).resolve().parents[2]
SERVER_CHILD = """
import json, sys
from infrastructure.local.smtp_server import LocalSmtpServer
login = json.loads(sys.stdin.readline())
server = LocalSmtpServer(sys.argv[1], 0)
server.start()
server.add_user(login["username"], login["password"])
print(json.dumps({"host": server.host, "port": server.port}), flush=True)
sys.stdin.read()
server.stop()
"""
BODY = (
    "Hi {name},\n\nI noticed {company} is growing its outbound team, and thought a short note\n"
    "might be worth your time. We help agencies keep cold email out of spam folders by\n"
    "spreading sends over many warmed-up mailboxes, each through its own SMTP server.\n\n"
    "Would a 15 minute call next week make sense?\n\nBest,\nBench\n\n"
    "--\nIf this is not relevant, reply 'no thanks' and I will not write again.\n"
)

SendAll = Callable[[list[Envelope]], Awaitable[None]]


class Credentials(NamedTuple):
    username: str
    password: str


class BenchFailure(Exception):
    """A contender did not get every message accepted: its figure would mean nothing."""


# --- reusable pieces ------------------------------------------------------------------------------


def start_local_smtp_server() -> tuple[str, int, Callable[[], None], Credentials]:
    """The platform's local SMTP server on a free loopback port with one mailbox login.

    Returns host, port, a callable that stops it, and the login (STARTTLS before AUTH). The
    server runs in a child process: on a thread of this one, its CPU and the GIL hand-offs at
    every socket call would be charged to the client being measured."""
    credentials = Credentials(BENCH_USER, secrets.token_urlsafe(16))
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER_CHILD, HOST],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, text=True,
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps(credentials._asdict()) + "\n")  # not argv: ps would show it
    child.stdin.flush()
    ready = child.stdout.readline()
    if not ready:
        child.wait(TIMEOUT)
        raise RuntimeError(f"local SMTP server exited {child.returncode} before listening")
    facts = json.loads(ready)

    def stop() -> None:
        if child.poll() is None:
            with contextlib.suppress(BrokenPipeError):
                child.stdin.close()  # the child stops its server at end of input
            try:
                child.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        child.stdout.close()

    return facts["host"], facts["port"], stop, credentials


def prebuilt_envelopes(
    n: int, rcpt_domain: str = "example.test", mail_from: str = BENCH_USER
) -> list[Envelope]:
    """``n`` distinct, ready-to-send cold emails (plain text, ~1 KB each)."""
    envelopes = []
    for i in range(n):
        rcpt = f"lead{i}@{rcpt_domain}"
        message = EmailMessage()
        message["From"] = f"Bench <{mail_from}>"
        message["To"] = rcpt
        message["Subject"] = f"Quick question for Company {i}"
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=mail_from.rpartition("@")[2])
        message.set_content(BODY.format(name=f"Lead {i}", company=f"Company {i}"))
        envelopes.append(Envelope(mail_from, rcpt, message.as_bytes(policy=SMTP)))
    return envelopes


async def measure(name: str, send_all: SendAll, envelopes: list[Envelope]) -> float:
    """Messages per second ``send_all`` achieved on ``envelopes`` (``name`` labels a failure)."""
    started = time.perf_counter()
    try:
        await send_all(envelopes)
    except BenchFailure as exc:
        raise BenchFailure(f"{name}: {exc}") from exc
    return len(envelopes) / (time.perf_counter() - started)


# --- contenders -----------------------------------------------------------------------------------


def raw_blast(endpoint: SmtpEndpoint, concurrency: int) -> SendAll:
    """C plain aiosmtplib connections, each ``sendmail()``-ing every C-th message."""
    context = tls_context(endpoint.verify_tls)

    async def connection(share: list[Envelope]) -> None:
        client = aiosmtplib.SMTP(
            hostname=endpoint.host,
            port=endpoint.port,
            start_tls=True,
            tls_context=context,
            timeout=endpoint.timeout,
            local_hostname=EHLO_HOSTNAME,
        )
        await client.connect()
        try:
            await client.login(endpoint.username, endpoint.password)  # re-EHLOs after STARTTLS
            for envelope in share:
                await client.sendmail(envelope.mail_from, [envelope.rcpt_to], envelope.data)
            await client.quit()
        except aiosmtplib.SMTPException as exc:
            raise BenchFailure(str(exc)) from exc
        finally:
            client.close()

    async def send_all(envelopes: list[Envelope]) -> None:
        await asyncio.gather(*(connection(envelopes[i::concurrency]) for i in range(concurrency)))

    return send_all


def mailbox_sender(endpoint: SmtpEndpoint, concurrency: int) -> SendAll:
    """One ``MailboxSender`` per batch, one ``send()`` task per message."""

    async def send_all(envelopes: list[Envelope]) -> None:
        sender = MailboxSender(endpoint, connections=concurrency)
        try:
            results = await asyncio.gather(*(sender.send(e) for e in envelopes))
        finally:
            await sender.close()
        refused = [r for r in results if not r.accepted]
        if refused:
            raise BenchFailure(f"{len(refused)} not accepted, first: {refused[0]}")

    return send_all


def send_worker(endpoint: SmtpEndpoint, concurrency: int) -> SendAll:
    """The worker's whole send path per message (guards, claim, render, MIME, DKIM-2048,
    send through ``MailboxSender``, record) over in-memory stores, so the figure is the
    worker's own cost against the same server; AWS round trips are counted by ``aws_cost``."""
    from chalicelib.sending.service.delivery import SendBatch
    from tests.fakes.sending import memory_world

    world = memory_world(lambda mailbox: MailboxSender(endpoint, connections=concurrency))
    world.ports.slots = _Unpaced()

    async def send_all(envelopes: list[Envelope]) -> None:
        messages = [
            world.message(e.rcpt_to, text=BODY.format(name="{{ name }}", company="Company"))
            for e in envelopes
        ]
        jobs = [(m.tenant_id, m.message_id) for m in messages]
        batch = SendBatch(world.ports, "priority")
        batch.prepare(jobs)
        try:
            outcomes = await asyncio.gather(*(batch.process(*job) for job in jobs))
        finally:
            await batch.close()
        refused = [o for o in outcomes if o != "sent"]
        if refused:
            raise BenchFailure(f"{len(refused)} not sent, first: {refused[0]}")

    return send_all


class _Unpaced:
    """Send slots that always read as an empty window (no reservation before this one), so
    the plan send rate lets the whole batch go: this bench measures the worker's own cost
    per message, not the pacing (``fairness`` and the integration tier cover that)."""

    def reserve(self, tenant_id: str, window: int, count: int) -> int:
        return 0


Builder = Callable[[SmtpEndpoint, int], SendAll]  # (endpoint, concurrency) -> send_all

# name, builder; the first is the floor. Another engineer's contender goes here.
CONTENDERS: list[tuple[str, Builder]] = [
    ("raw aiosmtplib blast", raw_blast),
    ("MailboxSender", mailbox_sender),
    ("send worker (full path)", send_worker),
]


@dataclass
class Figures:
    """One contender's samples, one per measured round: seconds of wall clock and of this
    process's CPU, for the whole batch and for the setup batch (one message per connection)."""

    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    setup_wall: list[float] = field(default_factory=list)
    setup_cpu: list[float] = field(default_factory=list)

    def rates(self, messages: int) -> list[float]:
        return [messages / seconds for seconds in self.wall]

    def per_message_us(self, total: list[float], setup: list[float], extra: int) -> float:
        """Median cost of one message once the connections are up, in microseconds."""
        return max(statistics.median(total) - statistics.median(setup), 0.0) / extra * 1e6


# --- the run --------------------------------------------------------------------------------------


async def run_rounds(
    endpoint: SmtpEndpoint, envelopes: list[Envelope], concurrency: int, runs: int
) -> list[Figures]:
    figures = [Figures(name) for name, _ in CONTENDERS]
    entries = list(zip(CONTENDERS, figures, strict=True))
    for i in range(runs + 1):  # round 0 is a warm-up, discarded
        for (name, build), out in entries[i % len(entries) :] + entries[: i % len(entries)]:
            send_all = build(endpoint, concurrency)
            for batch, wall, cpu in (
                (envelopes, out.wall, out.cpu),
                (envelopes[:concurrency], out.setup_wall, out.setup_cpu),
            ):
                started_cpu = time.process_time()
                rate = await measure(name, send_all, batch)
                if i:
                    wall.append(len(batch) / rate)
                    cpu.append(time.process_time() - started_cpu)
    return figures


def print_table(figures: list[Figures], messages: int, concurrency: int) -> None:
    extra = max(messages - concurrency, 1)
    floor_rate = statistics.median(figures[0].rates(messages))
    floor_cpu = figures[0].per_message_us(figures[0].cpu, figures[0].setup_cpu, extra)
    head = ("msg/s", "min", "max", "x floor", "setup ms", "wall us", "cpu us", "cpu x")
    print(f"{'contender':<24}" + "".join(f"{h:>10}" for h in head))
    for f in figures:
        rates = f.rates(messages)
        cpu_us = f.per_message_us(f.cpu, f.setup_cpu, extra)
        print(
            f"{f.name:<24}{statistics.median(rates):>10.0f}{min(rates):>10.0f}{max(rates):>10.0f}"
            f"{statistics.median(rates) / floor_rate:>10.2f}"
            f"{statistics.median(f.setup_wall) * 1e3:>10.0f}"
            f"{f.per_message_us(f.wall, f.setup_wall, extra):>10.0f}"
            f"{cpu_us:>10.0f}{cpu_us / floor_cpu if floor_cpu else 0.0:>10.2f}"
        )
    print("msg/s: whole batch, connection setup included; x floor: median msg/s over the first")
    print("row's; setup ms: a batch of one message per connection; wall us, cpu us: per message")
    print(f"once connected, (batch - setup batch) / {extra}, cpu of this (client) process only")


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.send_throughput", description=__doc__
    )
    parser.add_argument("--runs", type=int, default=3, help="measured rounds (+1 warm-up)")
    parser.add_argument("--messages", type=int, default=1000, help="messages per batch")
    parser.add_argument("--concurrency", type=int, default=4, help="connections per contender")
    args = parser.parse_args(argv)
    runs, concurrency = max(1, args.runs), max(1, args.concurrency)
    messages = max(args.messages, concurrency + 1)
    host, port, stop, credentials = start_local_smtp_server()
    endpoint = SmtpEndpoint(host, port, "starttls", *credentials, timeout=TIMEOUT, verify_tls=False)
    try:
        envelopes = prebuilt_envelopes(messages)
        figures = asyncio.run(run_rounds(endpoint, envelopes, concurrency, runs))
    except BenchFailure as exc:
        print(f"BENCH FAILED: {exc}")
        return 1
    finally:
        stop()
    plural = "s" if concurrency != 1 else ""
    print(f"\nsend throughput: {messages} messages, {concurrency} connection{plural}, STARTTLS")
    print(f"+ AUTH, local SMTP server {host}:{port}; medians of {runs} rounds (+1 warm-up)")
    print_table(figures, messages, concurrency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
