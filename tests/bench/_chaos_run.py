"""The chaos run of ``tests/bench/chaos.py`` (``make bench``): messages through a running
local platform to a chaos SMTP server (``infrastructure/local/chaos_smtp.py``: 421/451/550,
connections dropped mid-DATA, stalls past the client timeout, broken STARTTLS), while the
platform's fault switches make SQS deliver some batches twice, kill send-worker invocations
mid-batch and slow the AWS emulator down for a while.

``run_chaos`` returns the figures; it asserts nothing: the bench judges them
(``chaos.broken_checks``). Definitions:

- *final*: sent, delivered, bounced, failed, suppressed or cancelled; *stuck*: any other
  status once the run settled (or the hang guard ran out);
- *doubled*: accepted (250 to DATA) more than once by the chaos server;
- *lost*: a message whose record says ``sent`` that the server never accepted, or a message
  the server accepted whose record says neither ``sent`` nor ``failed/outcome_unknown``;
- *window*: ``failed`` with ``outcome_unknown`` (the documented in-flight window: a worker
  died holding it), and how many of those the server did accept (delivered, marked failed).

The counters are the tenant's month counters (``GET /v1/tenant`` → ``usage.events``), which
the event consumer moves once per event; each status's counter must equal the number of
timeline entries with that status over all messages (one event per transition).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from infrastructure.local.chaos_smtp import ChaosSmtpServer

FINAL = {"sent", "delivered", "bounced", "failed", "suppressed", "cancelled"}
COUNTED = ("sent", "bounced", "failed", "suppressed", "deferred")
UNKNOWN = "outcome_unknown"


@dataclass
class ChaosConfig:
    messages: int = 80
    seed: int = 11
    rates: dict[str, float] = field(
        default_factory=lambda: {
            "tls": 0.04,
            "421": 0.04,
            "451": 0.06,
            "550": 0.04,
            "drop": 0.04,
            "stall": 0.03,
        }
    )
    duplicate_rate: float = 0.25  # share of SQS batches delivered twice at once
    kills: int = 3  # send-worker invocations killed
    kill_after_sends: int = 2  # ... each after this many SMTP transactions returned
    slow_seconds: float = 5.0  # the emulator is slow this long, from the send on
    slow_delay: float = 0.05  # seconds added to each emulator request meanwhile
    mailboxes: int = 2
    smtp_timeout: float = 2.0  # the platform's (``--smtp-timeout``); stalls last longer
    settle_guard: float = 240.0  # hang guard: seconds to wait for every message to end


@dataclass
class ChaosFigures:
    messages: int
    statuses: Counter[str]
    faults: dict[str, int]
    stuck: list[str]
    doubled: list[str]
    lost: list[str]
    window: list[str]
    window_accepted: list[str]
    doubled_outside_window: list[str]
    counters: dict[str, int]
    expected_counters: dict[str, int]
    settle_seconds: float

    def report(self) -> str:
        faults = ", ".join(f"{k} {v}" for k, v in self.faults.items())
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return "\n".join(
            [
                f"chaos run: {self.messages} messages, settled in {self.settle_seconds:.1f} s",
                f"  statuses         {statuses}",
                f"  faults injected  {faults} (total {sum(self.faults.values())})",
                f"  lost {len(self.lost)}, doubled {len(self.doubled)} "
                f"({len(self.doubled_outside_window)} outside the in-flight window), "
                f"stuck {len(self.stuck)}",
                f"  in-flight window (failed/{UNKNOWN}): {len(self.window)}, "
                f"of which the server had accepted {len(self.window_accepted)}",
                f"  counters {self.counters} / from the timelines {self.expected_counters}",
            ]
        )


class ChaosRun:
    """One run against a running platform (``tests.integration.conftest.RunningPlatform``)."""

    def __init__(self, platform: Any, config: ChaosConfig) -> None:
        self.platform, self.config = platform, config
        self.tag = uuid.uuid4().hex[:8]
        self.key = ""

    def _api(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        reply = self.platform.request(method, path, key or self.key, json=body)
        if reply.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.text[:500]}")
        return reply.json()

    def _fault(self, name: str, on: bool, **params: Any) -> None:
        reply = self.platform.request(
            "POST", "/local/faults", json={"name": name, "on": on, **params}
        )
        if reply.status_code != 200:
            raise RuntimeError(f"fault {name}: {reply.status_code} {reply.text}")

    # --- setup ---------------------------------------------------------------------------

    def set_up(self, smtp_port: int) -> str:
        """An enterprise tenant (no plan rate in the way) with a verified domain and
        ``mailboxes`` mailboxes on the chaos server; the sending address (rotation)."""
        tenant = self._api(
            "POST",
            "/v1/tenants",
            {
                "name": f"Chaos {self.tag}",
                "plan": "enterprise",
                "contact_email": f"owner@chaos-{self.tag}.test",
                "postal_address": "1 Chaos Road, Springfield",
            },
            key=self.platform.admin_key,
        )
        self.key = tenant["api_key"]["key"]
        domain_name = f"chaos-{self.tag}.test"
        domain = self._api(
            "POST",
            "/v1/domains",
            {"name": domain_name, "dns_provider": "route53", "server_ips": ["127.0.0.1"]},
        )
        for _ in range(40):  # the DNS server re-reads zones about once a second
            domain = self._api("POST", f"/v1/domains/{domain['id']}/verify")
            if domain["status"] == "verified":
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"domain never verified: {domain}")
        for n in range(self.config.mailboxes):
            email = f"box{n}@{domain_name}"
            server = {
                "host": "127.0.0.1",
                "port": smtp_port,
                "security": "starttls",
                "username": email,
                "password": "any",
            }
            self._api(
                "POST", "/v1/mailboxes", {"email": email, "smtp": server, "daily_limit": 10_000}
            )
        return f"team@{domain_name}"

    # --- the run -------------------------------------------------------------------------

    def send(self, sender: str) -> list[str]:
        ids: list[str] = []
        for start in range(0, self.config.messages, 100):  # small requests: a busy machine
            count = min(100, self.config.messages - start)  # answers each within 30 s
            reply = self._api(
                "POST",
                "/v1/messages/batch",
                {
                    "from": sender,
                    "subject": "Chaos {{ n }}",
                    "html": "<p>Message {{ n }} of the chaos run.</p>",
                    "tags": ["chaos"],
                    "recipients": [
                        {
                            "to": f"r{start + i}.{self.tag}@example.test",
                            "variables": {"n": start + i},
                        }
                        for i in range(count)
                    ],
                },
            )
            ids += [r["id"] for r in reply["results"] if r["status"] == "accepted"]
        return ids

    def statuses(self) -> dict[str, str]:
        found: dict[str, str] = {}
        token = None
        while True:
            query = "limit=100" + (f"&next_token={token}" if token else "")
            page = self._api("GET", f"/v1/messages?{query}")
            found.update({m["id"]: m["status"] for m in page["items"]})
            token = page["next_token"]
            if not token:
                return found

    def settle(self, ids: list[str]) -> tuple[dict[str, str], float]:
        started = time.monotonic()
        statuses: dict[str, str] = {}
        while time.monotonic() - started < self.config.settle_guard:
            statuses = self.statuses()
            if all(statuses.get(i) in FINAL for i in ids):
                break
            time.sleep(1.0)
        return statuses, time.monotonic() - started

    def timelines(self, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        with ThreadPoolExecutor(8) as pool:
            replies = pool.map(lambda i: self._api("GET", f"/v1/messages/{i}"), ids)
            return {m["id"]: m["timeline"] for m in replies}

    def counters(self, expected: dict[str, int]) -> dict[str, int]:
        """The tenant's counters, once they equal ``expected`` (the event consumer runs
        behind) or after a bounded wait."""
        counts: dict[str, int] = {}
        for _ in range(60):
            events = self._api("GET", "/v1/tenant")["usage"]["events"]
            counts = {s: int(events.get(f"message_{s}", 0)) for s in COUNTED}
            if counts == expected:
                break
            time.sleep(0.5)
        return counts

    def run(self, server: ChaosSmtpServer) -> ChaosFigures:
        c = self.config
        sender = self.set_up(server.port)
        self._fault("sqs_duplicate", True, rate=c.duplicate_rate, seed=c.seed)
        self._fault("worker_kill", True, times=c.kills, after_sends=c.kill_after_sends)
        try:
            ids = self.send(sender)
            self._fault("aws_slow", True, seconds=c.slow_seconds, delay=c.slow_delay)
            statuses, settled = self.settle(ids)
        finally:
            for name in ("sqs_duplicate", "worker_kill", "aws_slow"):
                self._fault(name, False)
        injected = self.platform.get("/local/faults").json()["injected"]
        return self.figures(server, ids, statuses, settled, injected)

    def figures(
        self,
        server: ChaosSmtpServer,
        ids: list[str],
        statuses: dict[str, str],
        settled: float,
        injected: dict[str, int],
    ) -> ChaosFigures:
        timelines = self.timelines(ids)
        expected = {
            s: sum(e["status"] == s for t in timelines.values() for e in t) for s in COUNTED
        }
        accepted = server.accepted_per_message()
        window = [i for i in ids if statuses.get(i) == "failed" and _unknown(timelines[i])]
        doubled = [i for i in ids if accepted[i.lower()] > 1]
        lost = [
            i
            for i in ids
            if (statuses.get(i) == "sent" and not accepted[i.lower()])
            or (accepted[i.lower()] and statuses.get(i) != "sent" and i not in window)
        ]
        faults = {f"smtp {k}": v for k, v in server.stats()["faults"].items()}
        faults.update({k: v for k, v in injected.items() if k != "events_stream"})
        return ChaosFigures(
            messages=len(ids),
            statuses=Counter(statuses.get(i, "missing") for i in ids),
            faults=faults,
            stuck=[i for i in ids if statuses.get(i) not in FINAL],
            doubled=doubled,
            lost=lost,
            window=window,
            window_accepted=[i for i in window if accepted[i.lower()]],
            doubled_outside_window=[i for i in doubled if not _unknown(timelines[i])],
            counters=self.counters(expected),
            expected_counters=expected,
            settle_seconds=settled,
        )


def _unknown(timeline: list[dict[str, Any]]) -> bool:
    return any(e["status"] == "failed" and e.get("reason") == UNKNOWN for e in timeline)


def run_chaos(platform: Any, config: ChaosConfig) -> ChaosFigures:
    """Start the chaos SMTP server (stalls outlast the platform's SMTP timeout), run, stop."""
    stall = config.smtp_timeout + 1.5
    with ChaosSmtpServer(config.rates, seed=config.seed, stall_seconds=stall) as server:
        return ChaosRun(platform, config).run(server)
