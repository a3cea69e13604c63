"""What sending costs on AWS, all in: three scenarios side by side, and the monthly bill at
1 M and 10 M emails a month, by line item, against the goal of $0.03 per 1,000 emails.

Scenarios, each of ``--messages`` emails (1,000) through the real API handler and workers,
against the template's stack in moto (``_aws_platform``):
- a batch of 1,000 (two batch requests of 500, the API's limit);
- 1,000 single sends (one request each);
- the batch again with 10 % deferred once by the server (451, sent on the retry), 5 % bounced
  (a DSN read from the mailbox's inbox by the inbound worker), 30 % opened and 5 % clicked.
Batch sizes come from the template's event source mappings, memory from each function's
MemorySize (the API's from the Chalice config's prod stage). Lambda durations are the
handlers' wall times here, moto in-process standing in for AWS's latency, plus the SMTP and
IMAP waits the twins add (``--smtp-ms``, ``--imap-ms``). The event consumer runs on one
Kinesis batch in ``--event-stride``; its cost is scaled to every event. Logs are what the
handlers print at the deployed log level (INFO, metrics on), plus Lambda's START/END/REPORT.

The month adds what does not scale with emails: shard-hours, stored secrets (platform; per
mailbox SMTP and IMAP passwords; per domain the DKIM key), the schedules (inbound polling
per mailbox, domain re-verification per domain, the queue monitor) measured once and
multiplied, idle SQS polls, hosted zones, custom metrics, KMS. Mailboxes = emails a month /
(30 x the mailbox's default daily limit); domains = mailboxes / ``--mailboxes-per-domain``.

Prices and their sources: ``_aws_prices``. Run: ``python -m tests.bench.aws_cost``; prints.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
from collections import Counter
from typing import Any

from tests.bench._aws_bill import Fleet, Periodic, Usage, dollars, monthly
from tests.bench._aws_meter import (
    Invocations,
    Meter,
    MotoTables,
    PrintedBytes,
    metering,
    printed,
)
from tests.bench._aws_platform import template
from tests.bench._aws_prices import GOAL_PER_1000, SES_PER_1000

KINDS = ("batch", "singles", "engaged")
DEPLOYED = {"POWERTOOLS_LOG_LEVEL": "INFO"}  # the template sets no level: Powertools' INFO
VOLUMES = (1_000_000, 10_000_000)


def label(kind: str, n: int) -> str:
    return {"batch": f"batch of {n:,}", "singles": f"{n:,} single sends"}.get(
        kind, "batch + engagement"
    )


def memory_sizes() -> dict[str, int]:
    """Each function's MemorySize, by the name the platform times it under; the API's is
    the Chalice config's for the prod stage."""
    from pathlib import Path

    from infrastructure.local import template as tpl

    sizes = {
        r["Properties"]["Handler"].split(".")[1]: int(r["Properties"]["MemorySize"])
        for r in template()["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    }
    chalice = json.loads((Path(tpl.TEMPLATE).parents[1] / ".chalice" / "config.json").read_text())
    prod = chalice["stages"]["prod"]
    sizes["api"] = int(prod.get("lambda_memory_size", chalice["lambda_memory_size"]))
    return sizes


def fleet(args: argparse.Namespace, metrics: int) -> Fleet:
    from chalicelib.core.resources import SOURCES
    from chalicelib.mailboxes.schemas import CreateMailbox
    from infrastructure.local import template as tpl

    resources = template()["Resources"].values()
    kinds = [r["Type"] for r in resources]
    stream = next(r for r in resources if r["Type"] == "AWS::Kinesis::Stream")
    mappings = tpl.mappings(template())
    return Fleet(
        emails_per_mailbox_day=int(CreateMailbox.model_fields["daily_limit"].default),
        mailboxes_per_domain=args.mailboxes_per_domain,
        secrets_per_mailbox=2,  # the SMTP and the IMAP password
        platform_secrets=kinds.count("AWS::SecretsManager::Secret"),
        shards=int(stream["Properties"]["ShardCount"]),
        sqs_mapped_queues=sum(1 for m in mappings if m.source_type == "AWS::SQS::Queue"),
        tables=kinds.count("AWS::DynamoDB::Table"),
        metrics=metrics,
        schedule_seconds={
            s.function.handler.split(".")[1]: s.rate_seconds for s in tpl.schedules(template())
        },
        secrets_max_age=int(
            os.environ.get("PM_SECRETS_MAX_AGE") or SOURCES["secrets_max_age"].default
        ),
    )


class Bench:
    def __init__(
        self, platform: Any, sink: PrintedBytes, clients: list[Any], tables: MotoTables
    ) -> None:
        self.platform, self.sink, self.clients, self.tables = platform, sink, clients, tables
        self.medians: dict[str, dict[str, float]] = {}
        self.events: dict[str, int] = {}
        self.event_types: dict[str, Counter[str]] = {}
        self.sent: dict[str, int] = {}  # emails a scenario really sent

    def measure(self, work: Any, name: str) -> Usage:
        """Runs ``work`` with a fresh meter and timings; returns what it used."""
        meter, run = Meter(self.tables), Invocations()
        self.platform.run = run
        printed_before, sent_before = self.sink.bytes, len(self.platform.sink.accepted)
        with metering(meter, self.clients):
            work()
        s3_bytes, dynamodb_bytes = meter.stored()
        medians = self.medians.setdefault(name, {})
        medians.update({f: statistics.median(d) for f, d in run.durations.items()})
        return Usage(
            units=meter.units,
            calls=meter.calls,
            invocations=Counter({f: len(d) for f, d in run.durations.items()}),
            billed_ms=Counter(
                {f: sum(math.ceil(ms) for ms in d) for f, d in run.durations.items()}
            ),
            api_requests=run.api_requests,
            printed_bytes=self.sink.bytes - printed_before,
            egress_bytes=sum(len(d) for _, d in self.platform.sink.accepted[sent_before:]),
            s3_bytes=s3_bytes,
            dynamodb_bytes=dynamodb_bytes,
        )


def scenario(bench: Bench, kind: str, n: int, stride: int, run: int = 0, tag: str = "") -> Usage:
    """One scenario's emails, then its events through the consumer (a sample, scaled). Only
    ``run`` of the ``n`` emails are sent when given: single sends are independent requests,
    so their figures scale, and 1,000 of them would double the bench's time."""
    p, name, run = bench.platform, label(kind, n), run or n
    recipients = [f"{tag or kind}{i}@example.test" for i in range(run)]

    def send() -> None:
        for to in recipients[: run // 10] if kind == "engaged" else ():
            p.sink.script(to, "451 4.7.1 try again later")  # deferred once, sent on the retry
        before = len(p.sink.accepted)
        (p.queue_singles if kind == "singles" else p.queue_batch)(recipients)
        p.drain_sends()
        if kind == "engaged":
            _engage(p, p.sink.accepted[before:])

    sending = bench.measure(send, name)
    counted: list[tuple[int, int]] = []
    consuming = bench.measure(lambda: counted.append(p.consume_events(stride)), name)
    events, consumed = counted[0]
    bench.events[name] = events * n // run
    bench.event_types[name] = Counter({k: v * n // run for k, v in p.event_types.items()})
    bench.sent[name] = run
    return sending.plus(consuming.scaled(events / max(consumed, 1))).scaled(n / run)


def _engage(p: Any, sent: list[tuple[str, bytes]]) -> None:
    """30 % opened, 5 % clicked, 5 % bounced (a DSN, read by the next inbound poll)."""
    for i, (_, opened, clicked) in enumerate(p.tokens(sent)):
        if i % 10 < 3:
            p.hit("o", opened)
        if i % 20 == 0:
            p.hit("c", clicked)
    for rcpt, data in sent[1::20]:
        p.bounce(rcpt, data)
    p.poll_inboxes()


def periodic(bench: Bench) -> dict[str, Periodic]:
    """One run of each schedule, with what it covered (mailboxes polled, domains checked)."""
    p = bench.platform
    return {
        "poll": Periodic("inbound_poller", bench.measure(p.poll_inboxes, "poll"), 3),
        "verify": Periodic("domain_verifier", bench.measure(p.verify_domains, "verify"), 1),
        "monitor": Periodic("queue_monitor", bench.measure(p.monitor_queues, "monitor"), 1),
    }


def _row(name: str, values: list[str]) -> None:
    print(f"{name:<48}" + "".join(f"{v:>24}" for v in values))


def report_scenarios(
    bench: Bench, usages: dict[str, Usage], n: int, memory: dict[str, int]
) -> None:
    print(f"\nper scenario, {n:,} emails each; $ per 1,000 emails")
    for name in usages:
        if bench.sent[name] != n:
            print(f"({name}: {bench.sent[name]:,} sent, every figure scaled to {n:,})")
    _row("", list(usages))
    _row("API Gateway requests", [f"{u.api_requests:,.0f}" for u in usages.values()])
    for f in sorted({f for u in usages.values() for f in u.invocations}):
        cells = [
            f"{u.invocations[f]:,.0f} x {bench.medians[name][f]:.0f} ms"
            if u.invocations[f]
            else "-"
            for name, u in usages.items()
        ]
        _row(f"Lambda {f} ({memory[f]} MB): runs x median", cells)
    _row("events on the stream per email", [f"{bench.events[name] / n:.2f}" for name in usages])
    for kind in ("deferred", "bounced", "opened", "clicked"):
        counts = [bench.event_types[name][f"message.{kind}"] for name in usages]
        _row(f"message.{kind} events", [f"{c:,}" for c in counts])
    _row("AWS requests per email", [f"{sum(u.calls.values()) / n:.2f}" for u in usages.values()])
    _row("log bytes printed per email", [f"{u.printed_bytes / n:,.0f}" for u in usages.values()])
    costs = [dollars(u, memory) for u in usages.values()]
    for line in costs[0]:
        _row(line, [f"${c[line] / n * 1000:.5f}" for c in costs])
    _row("total per 1,000 emails", [f"${sum(c.values()) / n * 1000:.5f}" for c in costs])


def report_month(
    usage: Usage, n: int, the_fleet: Fleet, runs: dict[str, Periodic], memory: dict[str, int]
) -> None:
    per_run = dollars(usage, memory)
    bills = [monthly(v, per_run, n, the_fleet, runs, memory) for v in VOLUMES]
    pace, per_domain = the_fleet.emails_per_mailbox_day, the_fleet.mailboxes_per_domain
    print("\nmonthly bill, us-east-1 list prices, the engagement mix; mailboxes sending their")
    print(f"default daily limit ({pace} a day), {per_domain} mailboxes a domain")
    _row("", [f"{v:,} emails/month" for v in VOLUMES])
    _row(
        "mailboxes / domains",
        [f"{the_fleet.mailboxes(v):,} / {the_fleet.domains(v):,}" for v in VOLUMES],
    )
    for line in bills[0]:
        _row(line, [f"${b[line]:,.2f}" for b in bills])
    totals = [sum(b.values()) for b in bills]
    _row("total", [f"${t:,.2f}" for t in totals])
    per_1000 = [t / v * 1000 for t, v in zip(totals, VOLUMES, strict=True)]
    _row("per 1,000 emails", [f"${c:.4f}" for c in per_1000])
    top = sorted(bills[0].items(), key=lambda kv: -kv[1])[:3]
    print("largest at 1 M: " + ", ".join(f"{k} {v / totals[0]:.0%}" for k, v in top))
    verdict = "MET" if per_1000[0] < GOAL_PER_1000 else "NOT MET"
    print(
        f"goal all-in < ${GOAL_PER_1000:.2f} per 1,000 at 1 M/month: {verdict} "
        f"(${per_1000[0]:.4f}; ${per_1000[1]:.4f} at 10 M); SES charges ${SES_PER_1000:.2f} "
        "per 1,000 for sending alone"
    )


def _run(args: argparse.Namespace) -> tuple[Bench, dict[str, Usage], dict[str, Periodic]]:
    """The stack, the tenant, a warm-up, the scenarios and one run of each schedule."""
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib.core import wiring
    from chalicelib.core.settings import reset_settings
    from tests.bench._aws_platform import Platform
    from tests.functional.conftest import ADMIN_KEY, _deploy, environment

    os.environ.pop("AWS_ENDPOINT_URL", None)  # moto in-process, not a server
    sink = PrintedBytes()
    with mock_aws():
        os.environ.update({**environment(_deploy("us-east-1")), **DEPLOYED, "PM_RETRY_SCALE": "0"})
        os.environ.pop("POWERTOOLS_METRICS_DISABLED")
        reset_settings()
        with printed(sink), Client(app, stage_name="local") as client:
            wiring.reset()  # the logger is built again, onto the counting stdout
            platform = Platform(client, Invocations(), args.smtp_ms, args.imap_ms)
            platform.set_up(ADMIN_KEY)
            services = ("dynamodb", "sqs", "s3", "kinesis", "secretsmanager")
            clients = [wiring.get("aws." + s)() for s in services]
            bench = Bench(platform, sink, clients, MotoTables())
            scenario(bench, "engaged", 20, 1, tag="warm")  # cold starts are not per email
            usages = {
                label(k, args.messages): scenario(
                    bench,
                    k,
                    args.messages,
                    args.event_stride,
                    args.singles if k == "singles" else 0,
                )
                for k in KINDS
            }
            runs = periodic(bench)
    return bench, usages, runs


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.aws_cost", description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--smtp-ms", type=float, default=150.0, help="per message, assumed")
    parser.add_argument("--imap-ms", type=float, default=400.0, help="per inbox poll, assumed")
    parser.add_argument("--event-stride", type=int, default=10, help="consume 1 event batch in N")
    parser.add_argument("--singles", type=int, default=250, help="single sends really made")
    parser.add_argument("--mailboxes-per-domain", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1, help="accepted for make bench; unused")
    args = parser.parse_args(argv)
    bench, usages, runs = _run(args)
    memory, sent = memory_sizes(), len(bench.platform.sink.accepted)
    print(
        f"aws cost: the template's stack in moto, the real API handler and workers, {sent:,} "
        f"emails accepted; SMTP twin {args.smtp_ms:.0f} ms a message, IMAP twin "
        f"{args.imap_ms:.0f} ms a poll (assumed); Lambda ms are wall times here, moto in-process "
        "standing in for AWS's latency"
    )
    report_scenarios(bench, usages, args.messages, memory)
    the_fleet = fleet(args, len(bench.sink.metrics))
    report_month(usages[label("engaged", args.messages)], args.messages, the_fleet, runs, memory)
    return 0 if sent >= sum(bench.sent.values()) else 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
