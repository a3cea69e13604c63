"""From what a run measured (``Usage``) to dollars by line item, and the monthly bill: the
per-email lines of the engaged scenario scaled to the month's volume, plus what a month costs
whatever the volume (shard-hours, stored secrets, schedules, idle SQS polls, hosted zones,
custom metrics, KMS) and what grows with the mailboxes and domains that volume needs."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from tests.bench._aws_prices import (
    GB,
    HOURS_PER_MONTH,
    KMS_REQUESTS_PER_TABLE_MONTH,
    PLATFORM_LOG_BYTES,
    PRICE,
    SECONDS_PER_MONTH,
    SQS_IDLE_POLLS_PER_QUEUE_MONTH,
)


@dataclass
class Usage:
    """What a run used; ``billed_ms`` is each function's invocations' durations, each rounded
    up to the millisecond as Lambda bills them."""

    units: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    invocations: Counter[str] = field(default_factory=Counter)
    billed_ms: Counter[str] = field(default_factory=Counter)
    api_requests: float = 0
    printed_bytes: float = 0
    egress_bytes: float = 0
    s3_bytes: float = 0
    dynamodb_bytes: float = 0

    def scaled(self, factor: float) -> Usage:
        def times(counter: Counter[str]) -> Counter[str]:
            return Counter({k: v * factor for k, v in counter.items()})

        return Usage(
            *(times(c) for c in (self.units, self.calls, self.invocations, self.billed_ms)),
            *(v * factor for v in self._amounts()),
        )

    def plus(self, other: Usage) -> Usage:
        return Usage(
            self.units + other.units,
            self.calls + other.calls,
            self.invocations + other.invocations,
            self.billed_ms + other.billed_ms,
            *(a + b for a, b in zip(self._amounts(), other._amounts(), strict=True)),
        )

    def _amounts(self) -> tuple[float, ...]:
        return (
            self.api_requests,
            self.printed_bytes,
            self.egress_bytes,
            self.s3_bytes,
            self.dynamodb_bytes,
        )


def dollars(usage: Usage, memory: dict[str, int]) -> dict[str, float]:
    """Each line item of ``usage`` in dollars (storage: one month of what it stored)."""
    u, p = usage.units, PRICE
    gb_s = sum(ms / 1000 * memory[f] / 1024 for f, ms in usage.billed_ms.items())
    invocations = sum(usage.invocations.values())
    log_bytes = usage.printed_bytes + PLATFORM_LOG_BYTES * invocations
    return {
        "API Gateway REST requests": usage.api_requests * p["apigw_request"],
        "Lambda requests": invocations * p["lambda_request"],
        "Lambda GB-seconds": gb_s * p["lambda_gb_s"],
        "SQS requests": u["sqs"] * p["sqs"],
        "DynamoDB write units": u["wru"] * p["wru"],
        "DynamoDB read units": u["rru"] * p["rru"],
        "S3 requests": u["s3_put"] * p["s3_put"] + u["s3_get"] * p["s3_get"],
        "Kinesis PUT payload units": u["kinesis_unit"] * p["kinesis_unit"],
        "CloudWatch Logs ingestion": log_bytes / GB * p["logs_gb"],
        "Secrets Manager API calls": u["secrets_call"] * p["secrets_call"],
        "Data transfer out (SMTP)": usage.egress_bytes / GB * p["egress_gb"],
        "Storage, one month (S3, DynamoDB+PITR, logs)": (
            usage.s3_bytes / GB * p["s3_gb_month"]
            + usage.dynamodb_bytes / GB * (p["dynamodb_gb_month"] + p["pitr_gb_month"])
            + log_bytes / GB * p["logs_gb_month"]
        ),
    }


@dataclass(frozen=True)
class Fleet:
    """What the month's volume needs, and what runs on a schedule."""

    emails_per_mailbox_day: int
    mailboxes_per_domain: int
    secrets_per_mailbox: int
    platform_secrets: int
    shards: int
    sqs_mapped_queues: int
    tables: int
    metrics: int
    schedule_seconds: dict[str, int]  # function -> seconds between runs
    secrets_max_age: int  # seconds a Lambda keeps a secret it read

    def secret_reads(self, emails: int) -> float:
        """Reads the bench cannot see: it sends in a burst, so its cache stays warm. A send
        needs its mailbox's SMTP password and its domain's DKIM key; a mailbox at its daily
        pace sends less often than the cache keeps them, so each send reads both (each poll
        reads the IMAP password when the poll interval is no shorter than the cache)."""
        windows = 86_400 / self.secrets_max_age
        per_send = 2 * min(1.0, windows / self.emails_per_mailbox_day)
        polls = self.runs("inbound_poller") * self.mailboxes(emails)
        poll_misses = self.schedule_seconds["inbound_poller"] >= self.secrets_max_age
        return emails * per_send + (polls if poll_misses else 0)

    def mailboxes(self, emails: int) -> int:
        return math.ceil(emails / (30 * self.emails_per_mailbox_day))

    def domains(self, emails: int) -> int:
        return math.ceil(self.mailboxes(emails) / self.mailboxes_per_domain)

    def runs(self, function: str) -> float:
        return SECONDS_PER_MONTH / self.schedule_seconds[function]


@dataclass
class Periodic:
    """One measured run of a schedule, and how many units of work it covered."""

    function: str
    usage: Usage
    covered: int  # mailboxes polled or domains checked in the measured run


def monthly(
    emails: int,
    per_run: dict[str, float],
    run_emails: int,
    fleet: Fleet,
    periodic: dict[str, Periodic],
    memory: dict[str, int],
) -> dict[str, float]:
    """The month's bill by line item for ``emails`` emails a month."""
    scale = emails / run_emails
    bill = {f"{name}": cost * scale for name, cost in per_run.items()}
    mailboxes, domains = fleet.mailboxes(emails), fleet.domains(emails)
    p = PRICE
    bill["Kinesis shard-hours"] = fleet.shards * HOURS_PER_MONTH * p["shard_hour"]
    stored = fleet.platform_secrets + mailboxes * fleet.secrets_per_mailbox + domains
    bill["Secrets Manager secrets stored"] = stored * p["secret_month"]
    for label, key, count in (
        ("Inbound polling (each mailbox, schedule)", "poll", mailboxes),
        ("Domain re-verification (each domain, schedule)", "verify", domains),
        ("Queue monitor (schedule)", "monitor", 1),
    ):
        run = periodic[key]
        usage = run.usage.scaled(count / run.covered)  # the work grows with what it covers,
        for own in (usage.invocations, usage.billed_ms):  # the schedule's own runs do not
            own[run.function] = (
                run.usage.invocations if own is usage.invocations else run.usage.billed_ms
            )[run.function]
        bill[label] = sum(dollars(usage, memory).values()) * fleet.runs(run.function)
    bill["SQS idle long polls (Lambda pollers)"] = (
        fleet.sqs_mapped_queues * SQS_IDLE_POLLS_PER_QUEUE_MONTH * p["sqs"]
    )
    bill["Secrets Manager reads at the mailboxes' pace"] = (
        fleet.secret_reads(emails) * p["secrets_call"]
    )
    bill["Route 53 hosted zones"] = domains * p["hosted_zone_month"]
    bill["CloudWatch custom metrics (EMF)"] = fleet.metrics * p["metric_month"]
    bill["KMS (DynamoDB SSE, aws/dynamodb)"] = (
        fleet.tables * KMS_REQUESTS_PER_TABLE_MONTH * p["kms_request"]
    )
    return bill
