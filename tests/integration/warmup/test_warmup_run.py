"""Issue 15's "Done when" on the running platform, shortened to fit ``make test``: the demo
(``infrastructure.local.warmup_demo``) on a platform of its own whose warm-up day lasts
seconds. The demo tenant's three mailboxes warm on the standard plan in the pool for three
days, and a fourth whose recipients the simulator refuses one time in ten pauses. The whole
week is the demo itself (``python -m infrastructure.local.warmup_demo --start``)."""

from __future__ import annotations

import pytest

from chalicelib.warmup.rules import volume
from infrastructure.local import warmup_demo
from tests.integration.conftest import start_platform, stop_platform

DAYS = 3
DAY_SECONDS = "15"


@pytest.fixture(scope="module")
def warm_platform(tmp_path_factory):
    running = start_platform(
        tmp_path_factory.mktemp("warmup-platform"), "--warmup-day-seconds", DAY_SECONDS
    )
    yield running
    stop_platform(running)


@pytest.mark.long
def test_three_days_of_warmup_on_the_running_platform(warm_platform) -> None:
    """One test: the demo is one run of several minutes of platform time, and every check
    reads its one result."""
    demo = warmup_demo.run(warm_platform.url, warm_platform.demo_key, days=DAYS, timeout=900)
    assert demo.problems == []
    _each_day_follows_the_plan_and_increases(demo)
    _the_pool_placed_opened_rescued_and_replied(demo)
    _the_bouncing_mailbox_paused_with_its_reason(demo)
    # the demo sends one ordinary message after the warm-up days and waits until it counts
    assert demo.analytics["counts"]["sent"] == 1


def _each_day_follows_the_plan_and_increases(demo: warmup_demo.DemoResult) -> None:
    warmers = [e for e in demo.days if e.split("@")[0] in warmup_demo.DEMO_BOXES]
    assert len(warmers) == 3
    for email in warmers:
        days = demo.days[email][:DAYS]
        assert [d["target"] for d in days] == [volume("standard", n) for n in range(DAYS)]
        assert [d["decision"]["action"] for d in days] == ["increase"] * DAYS
        assert [d["stats"]["sent"] for d in days] == [d["target"] for d in days]
        assert all(d["stats"]["bounced"] == 0 for d in days)


def _the_pool_placed_opened_rescued_and_replied(demo: warmup_demo.DemoResult) -> None:
    pool = demo.pool
    received = pool["inbox"] + pool["spam"]
    assert received > 150 and pool["spam"] > 0
    assert pool["rescued"] > 0 and pool["opened"] > 0.5 * received
    assert pool["replied"] > 0


def _the_bouncing_mailbox_paused_with_its_reason(demo: warmup_demo.DemoResult) -> None:
    bouncer = next(e for e in demo.status if e.startswith(warmup_demo.BOUNCER + "@"))
    status = demo.status[bouncer]
    assert status["status"] == "paused"
    assert "bounce rate" in status["status_reason"]
    assert status["last_decision"]["action"] == "pause"
    assert status["last_decision"]["inputs"]["bounce_rate"] > 0.05
