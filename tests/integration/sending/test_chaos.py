"""The chaos run (issue 11) on its own local platform: 80 messages to a chaos SMTP server
that answers 421/451/550 at random, drops connections mid-DATA, stalls past the client
timeout and breaks STARTTLS, while SQS delivers some batches twice, two send-worker
invocations die mid-batch and the AWS emulator is slow for a while.

Every message must end final, none may be sent twice outside the documented in-flight
window (README, "The crash window"), none may be lost (recorded sent but never accepted,
or accepted but recorded otherwise than sent or ``outcome_unknown``), and the tenant's
counters must equal the statuses. The figures are printed (``-s`` shows them). The bigger
run is ``python -m tests.bench.chaos``.
"""

from __future__ import annotations

import pytest

from tests.integration.chaos_run import ChaosConfig, run_chaos
from tests.integration.conftest import start_platform, stop_platform

CONFIG = ChaosConfig(messages=80, seed=11)

# its own platform, so its own xdist group: it runs beside the shared platform's tests
pytestmark = pytest.mark.xdist_group("integration-chaos")


@pytest.fixture(scope="module")
def chaos_platform(tmp_path_factory):
    running = start_platform(
        tmp_path_factory.mktemp("chaos"),
        "--no-demo",
        "--smtp-timeout",
        str(CONFIG.smtp_timeout),
    )
    yield running
    stop_platform(running)


def test_the_chaos_run_ends_every_message_once_and_counts_it(chaos_platform):
    # given the chaos server and the platform's faults; when the messages go out and settle
    figures = run_chaos(chaos_platform, CONFIG)
    print("\n" + figures.report())

    # then every fault kind was injected at least once (the run tested what it claims)
    assert all(figures.faults.values()), figures.report()
    # and every message ended, none lost, none sent twice outside the in-flight window
    assert figures.stuck == [], figures.report()
    assert figures.lost == [], figures.report()
    assert figures.doubled_outside_window == [], figures.report()
    assert len(figures.doubled) <= len(figures.window), figures.report()
    # and the counters equal the statuses
    assert figures.counters == figures.expected_counters, figures.report()
    assert figures.statuses["sent"] == figures.counters["sent"], figures.report()
