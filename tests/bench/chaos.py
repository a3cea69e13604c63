"""The bigger chaos run: ``python -m tests.bench.chaos [--messages N] [--seed S]`` (part of
``make bench``). The integration test's run (``tests/integration/sending/test_chaos.py``)
at 1,000 messages by default, with more worker kills and a longer slow spell of the AWS
emulator, on its own local platform. It prints the figures (messages, faults injected per
kind, lost, doubled, stuck, the in-flight window, counters against statuses) and exits 1 if
any message was lost, doubled outside the window or stuck, or the counters disagree.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from tests.integration.chaos_run import ChaosConfig, run_chaos
    from tests.integration.conftest import start_platform, stop_platform

    parser = argparse.ArgumentParser(description="chaos run through the local platform")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=29)
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    config = ChaosConfig(
        messages=args.messages,
        seed=args.seed,
        kills=6,
        kill_after_sends=3,
        slow_seconds=20.0,
        slow_delay=0.03,
        mailboxes=4,
        settle_guard=900.0,
    )
    with tempfile.TemporaryDirectory(prefix="chaos-bench-") as tmp:
        platform = start_platform(
            Path(tmp), "--no-demo", "--smtp-timeout", str(config.smtp_timeout)
        )
        try:
            figures = run_chaos(platform, config)
        finally:
            stop_platform(platform)
    print(figures.report(), flush=True)
    broken = (
        figures.stuck
        or figures.lost
        or figures.doubled_outside_window
        or figures.counters != figures.expected_counters
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
