"""What stops a sequence, what a condition step lets through, and how far an
out-of-office reply pushes the next step."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.campaigns.rules.progress import (
    MAX_OOO_DELAY,
    STOP_STATUSES,
    condition_holds,
    ooo_delay,
)

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
DUE = datetime(2026, 3, 24, 10, 0, tzinfo=UTC)  # a Tuesday


def test_every_status_but_active_stops_the_sequence():
    assert STOP_STATUSES == {"replied", "bounced", "unsubscribed", "complained"}
    assert "active" not in STOP_STATUSES


@pytest.mark.parametrize(
    ("condition", "opened", "clicked", "replied", "holds"),
    [
        ("not_opened", False, False, False, True),
        ("not_opened", True, False, False, False),
        ("not_clicked", True, False, False, True),
        ("not_clicked", True, True, False, False),
        ("not_replied", True, True, False, True),
        ("not_replied", False, False, True, False),
    ],
)
def test_condition_steps(condition, opened, clicked, replied, holds):
    assert condition_holds(condition, opened, clicked, replied) is holds


def test_an_unknown_condition_is_an_error_not_a_silent_pass():
    with pytest.raises(ValueError, match="not_opened"):
        condition_holds("opened", True, True, True)


def test_the_next_step_waits_for_nine_in_the_morning_of_the_return_date():
    # 30 March 2026 is the first Monday after Berlin's spring change: 09:00 CEST is 07:00 UTC.
    assert ooo_delay("2026-03-30", BERLIN, DUE) == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert ooo_delay("2026-03-30", NEW_YORK, DUE) == datetime(2026, 3, 30, 13, tzinfo=UTC)


@pytest.mark.parametrize("return_on", [None, "2026-03-20", "2026-03-24", "soon", "2026-02-30", 7])
def test_no_usable_or_past_return_date_leaves_the_due_time(return_on):
    assert ooo_delay(return_on, BERLIN, DUE) == DUE


def test_a_return_date_far_off_delays_at_most_the_cap():
    assert ooo_delay("2031-01-01", BERLIN, DUE) == DUE + MAX_OOO_DELAY
    assert MAX_OOO_DELAY == timedelta(days=90)
