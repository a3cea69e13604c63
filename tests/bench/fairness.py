"""Two tenants under load, through the running local platform (API, SQS pumps, send worker,
SMTP server): tenant B sends 100 messages one by one, first alone, then while tenant A's
flood (20,000 messages in batches of 500) waits on the same send queue. B's latency is
from its API reply (this process's clock) to the SMTP server's acceptance (the server's own
``received_at``, same machine); the goal is B's p50 and p99 with the flood under 1.5x the
figures without it. A's backlog is not drained: B is measured while it is queued.

Tenant A is on the business plan (100 a second, more than the local worker sends, so A's
backlog is a queue backlog, not a rate wait) with two mailboxes of 10,000 a day; B is on
the professional plan (30 a second) and sends 10 a second. The platform runs as ``make run``
does (time scale 60), without the demo tenant.

Run: ``python -m tests.bench.fairness [--flood N] [--batch N] [--messages N]`` (``make
bench`` runs every bench module). Prints only; never asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

QUEUE_OUTPUT = "SendPriorityQueueUrl"  # every accepted message goes to the priority queue
PACE_SECONDS = 0.1  # B sends 10 a second, under its plan's 30


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _send_b(platform: Any, tenant: Any, count: int, marker: str) -> dict[str, float]:
    """B's messages one by one; the API reply time of each recipient."""
    replied: dict[str, float] = {}
    for n in range(count):
        to = f"b{n}.{marker}@example.test"
        body = {"from": tenant.mailboxes[0], "to": to, "subject": "Hi", "text": "Hello"}
        reply = platform.request("POST", "/v1/messages", tenant.key, json=body)
        if reply.status_code != 202:
            raise RuntimeError(f"B's message refused: {reply.status_code} {reply.text}")
        replied[to] = time.time()
        time.sleep(PACE_SECONDS)
    return replied


def _latencies(platform: Any, replied: dict[str, float], marker: str) -> list[float]:
    """Seconds from each API reply to its SMTP acceptance, once all have arrived."""
    arrived: dict[str, float] = {}
    for _ in range(900):  # bounded: 30 minutes at most
        items = requests.get(platform.url + "/local/smtp/messages?limit=5000", timeout=300)
        items = items.json()["items"]
        for item in items:
            for rcpt in item["rcpt_tos"]:
                if marker in rcpt and rcpt not in arrived:
                    arrived[rcpt] = _seconds(item["received_at"])
        if len(arrived) >= len(replied):
            return sorted(arrived[to] - replied[to] for to in replied)
        time.sleep(2)
    raise RuntimeError(f"only {len(arrived)} of B's {len(replied)} messages arrived")


def _flood(platform: Any, tenant: Any, total: int, batch: int) -> float:
    """A's messages in batches; the seconds it took to have them all accepted."""
    started, sent, box = time.time(), 0, 0
    while sent < total:
        size = min(batch, total - sent)
        recipients = [{"to": f"a{sent + n}.flood@example.test"} for n in range(size)]
        body = {
            "from": tenant.mailboxes[box % len(tenant.mailboxes)],
            "subject": "Bulk",
            "text": "Hello",
            "recipients": recipients,
        }
        reply = requests.post(
            platform.url + "/v1/messages/batch",
            json=body,
            headers={"Authorization": f"Bearer {tenant.key}"},
            timeout=600,  # a hang guard: a batch of 500 takes seconds on a loaded machine
        )
        if reply.status_code != 202:
            raise RuntimeError(f"A's batch refused: {reply.status_code} {reply.text[:300]}")
        sent, box = sent + size, box + 1
    return time.time() - started


def _quantiles(samples: list[float]) -> tuple[float, float]:
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples), p99


def _queue_depth(platform: Any) -> int:
    from chalicelib.aws.sqs import depth
    from infrastructure.local.emulator import STACK

    outputs = platform.aws("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    url = next(o["OutputValue"] for o in outputs["Outputs"] if o["OutputKey"] == QUEUE_OUTPUT)
    return depth(platform.aws("sqs"), url)


def measure(platform: Any, flood: int, batch: int, count: int) -> None:
    from tests.integration.tenants import sending_tenant

    a = sending_tenant(platform, "business", boxes=2, daily_limit=10_000)
    b = sending_tenant(platform, "professional")
    alone_marker = uuid.uuid4().hex[:8]
    alone = _latencies(platform, _send_b(platform, b, count, alone_marker), alone_marker)
    accepted_in = _flood(platform, a, flood, batch)
    backlog = _queue_depth(platform)
    loaded_marker = uuid.uuid4().hex[:8]
    loaded = _latencies(platform, _send_b(platform, b, count, loaded_marker), loaded_marker)
    backlog_after = _queue_depth(platform)
    print(f"two tenants: A floods {flood} in batches of {batch}, B sends {count} one by one")
    print(f"A's flood accepted in {accepted_in:.1f} s ({flood / accepted_in:.0f} messages/s); "
          f"send queue depth {backlog} before B, {backlog_after} after")  # fmt: skip
    print(f"{'B: API reply -> SMTP acceptance, s':<40}{'p50':>9}{'p99':>9}")
    (p50_alone, p99_alone), (p50_loaded, p99_loaded) = _quantiles(alone), _quantiles(loaded)
    print(f"{'without A flood':<40}{p50_alone:>9.3f}{p99_alone:>9.3f}")
    print(f"{'with A flood queued':<40}{p50_loaded:>9.3f}{p99_loaded:>9.3f}")
    ratios = p50_loaded / p50_alone, p99_loaded / p99_alone
    print(f"{'ratio (goal < 1.5x)':<40}{ratios[0]:>8.2f}x{ratios[1]:>8.2f}x")


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.fairness")
    parser.add_argument("--flood", type=int, default=20_000, help="tenant A's messages")
    parser.add_argument("--batch", type=int, default=500, help="A's messages per batch request")
    parser.add_argument("--messages", type=int, default=100, help="tenant B's messages")
    parser.add_argument("--runs", type=int, default=1, help="accepted for make bench; unused")
    args = parser.parse_args(argv)
    from tests.integration.conftest import start_platform, stop_platform

    with tempfile.TemporaryDirectory() as tmp:
        platform = start_platform(Path(tmp), "--no-demo")
        try:
            measure(platform, args.flood, args.batch, args.messages)
        finally:
            stop_platform(platform)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
