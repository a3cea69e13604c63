"""The chaos run: ``python -m tests.bench.chaos [--quick] [--messages N] [--seed S]`` (part
of ``make bench``, never of ``make test``).

On its own local platform (``--no-demo --smtp-timeout``), messages go to a chaos SMTP server
that answers 421/451/550 at random, drops connections mid-DATA, stalls past the client
timeout and breaks STARTTLS, while SQS delivers some batches twice, send-worker invocations
die mid-batch and the AWS emulator is slow for a while (``_chaos_run.py`` has the scenario
and the definitions). By default 1,000 messages with six worker kills and a 20 s slow spell;
``--quick`` is the 80-message run that used to be an integration test (seed 11, three kills,
a 5 s slow spell, about a minute).

It prints the figures (messages, faults injected per kind, lost, doubled, stuck, the
in-flight window, counters against statuses) and exits 1, naming each broken check, if a
fault kind was never injected, a message was lost, doubled outside the window or stuck,
more messages were doubled than the window holds, or the counters disagree with the
statuses.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any


def config_for(quick: bool, messages: int | None, seed: int | None) -> Any:
    from tests.bench._chaos_run import ChaosConfig

    if quick:
        config = ChaosConfig(messages=80, seed=11)
    else:
        config = ChaosConfig(
            messages=1000,
            seed=29,
            kills=6,
            kill_after_sends=3,
            slow_seconds=20.0,
            slow_delay=0.03,
            mailboxes=4,
            settle_guard=900.0,
        )
    if messages is not None:
        config.messages = messages
    if seed is not None:
        config.seed = seed
    return config


def broken_checks(figures: Any) -> list[str]:
    """What the run must show, each as the check that failed (empty when all held)."""
    checks = {
        "a fault kind was never injected": not all(figures.faults.values()),
        "messages stuck": bool(figures.stuck),
        "messages lost": bool(figures.lost),
        "messages doubled outside the in-flight window": bool(figures.doubled_outside_window),
        "more messages doubled than the window holds": len(figures.doubled) > len(figures.window),
        "counters differ from the timelines": figures.counters != figures.expected_counters,
        "sent counter differs from the sent statuses": figures.statuses.get("sent", 0)
        != figures.counters.get("sent"),
    }
    return [name for name, failed in checks.items() if failed]


def main(argv: list[str] | None = None) -> int:
    from tests.bench._chaos_run import run_chaos
    from tests.integration.conftest import start_platform, stop_platform

    parser = argparse.ArgumentParser(description="chaos run through the local platform")
    parser.add_argument("--quick", action="store_true", help="the 80-message run (a minute)")
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    config = config_for(args.quick, args.messages, args.seed)
    with tempfile.TemporaryDirectory(prefix="chaos-bench-") as tmp:
        platform = start_platform(
            Path(tmp), "--no-demo", "--smtp-timeout", str(config.smtp_timeout)
        )
        try:
            figures = run_chaos(platform, config)
        finally:
            stop_platform(platform)
    print(figures.report(), flush=True)
    broken = broken_checks(figures)
    for name in broken:
        print(f"BROKEN: {name}", flush=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
