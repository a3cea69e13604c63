"""The warm-up gates at every boundary, the plan formula against PRODUCT.md's table, and
the spread of a day's sends over the sending window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.warmup.rules import (
    MIN_EVIDENCE,
    DayStats,
    Decision,
    Thresholds,
    decide,
    last_day,
    spread,
    volume,
)

N = 10_000  # sends, so 1 message is 0.01 % and every threshold is a whole count


def day(**counts: int) -> DayStats:
    return DayStats(**{"sent": N, **counts})


# PRODUCT.md: floor(start + (peak − start) × d / days), capped at peak
@pytest.mark.parametrize(
    ("plan", "d", "expected"),
    [
        ("conservative", 0, 5),
        ("conservative", 1, 10),  # 5 + 295/56 = 10.27
        ("conservative", 28, 152),  # 5 + 147.5
        ("conservative", 56, 300),
        ("conservative", 80, 300),
        ("standard", 0, 10),
        ("standard", 1, 21),  # 10 + 490/42 = 21.67
        ("standard", 21, 255),
        ("standard", 42, 500),
        ("standard", 43, 500),
        ("aggressive", 0, 20),
        ("aggressive", 1, 55),
        ("aggressive", 14, 510),
        ("aggressive", 28, 1000),
    ],
)
def test_volume_follows_the_plan_formula(plan: str, d: int, expected: int) -> None:
    assert volume(plan, d) == expected


@pytest.mark.parametrize(
    ("plan", "days"), [("conservative", 56), ("standard", 42), ("aggressive", 28)]
)
def test_last_day_is_the_plans_length(plan: str, days: int) -> None:
    assert last_day(plan) == days


def test_an_unknown_plan_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown warm-up plan"):
        decide("reckless", 3, day())


def test_clean_day_increases_to_the_next_plan_day() -> None:
    decision = decide("standard", 5, day())
    assert (decision.action, decision.next_day, decision.volume) == (
        "increase",
        6,
        volume("standard", 6),
    )


@pytest.mark.parametrize(
    ("counts", "action"),
    [
        ({"bounced": 199}, "increase"),  # just under 2 %
        ({"bounced": 200}, "hold"),  # exactly 2 %
        ({"bounced": 399}, "hold"),  # just under twice
        ({"bounced": 400}, "step_back"),  # exactly twice (4 %)
        ({"bounced": 500}, "step_back"),  # exactly 5 %: not above the pause threshold
        ({"bounced": 501}, "pause"),  # above 5 %
        ({"complained": 4}, "increase"),  # 0.04 %
        ({"complained": 5}, "hold"),  # exactly 0.05 %
        ({"complained": 9}, "hold"),
        ({"complained": 10}, "step_back"),  # exactly twice, = the pause threshold, not above
        ({"complained": 11}, "pause"),  # above 0.1 %
        ({"deferred": 499}, "increase"),
        ({"deferred": 500}, "hold"),  # exactly 5 %
        ({"deferred": 999}, "hold"),
        ({"deferred": 1000}, "step_back"),  # exactly twice (10 %)
        ({"deferred": 5000}, "step_back"),  # deferrals never pause
    ],
)
def test_gate_boundaries(counts: dict[str, int], action: str) -> None:
    assert decide("standard", 10, day(**counts)).action == action


def test_rates_follow_the_metrics_definitions() -> None:
    stats = DayStats(sent=N, bounced=100, complained=4, deferred=30)
    assert stats.delivered == 9_900
    assert stats.bounce_rate == 100 / N
    assert stats.complaint_rate == 4 / 9_900  # complaints over delivered mail
    assert stats.deferral_rate == 30 / N


def test_step_back_goes_one_plan_day_down_and_never_below_zero() -> None:
    back = decide("aggressive", 10, day(bounced=400))
    assert (back.next_day, back.volume) == (9, volume("aggressive", 9))
    assert decide("aggressive", 0, day(bounced=400)).next_day == 0


def test_hold_keeps_day_and_volume() -> None:
    held = decide("conservative", 7, day(deferred=500))
    assert (held.next_day, held.volume) == (7, volume("conservative", 7))


def test_pause_keeps_the_day_and_sends_nothing() -> None:
    paused = decide("standard", 12, day(bounced=600))
    assert (paused.action, paused.next_day, paused.volume) == ("pause", 12, 0)
    assert "bounce rate 6.00% above the pause threshold 5.00%" in paused.reason


def test_pause_wins_over_step_back_for_complaints() -> None:
    paused = decide("standard", 12, day(complained=20, deferred=2000))
    assert paused.action == "pause"
    assert "complaint rate" in paused.reason


def test_fewer_than_ten_sends_never_increase() -> None:
    few = decide("standard", 3, DayStats(sent=MIN_EVIDENCE - 1))
    assert (few.action, few.next_day) == ("hold", 3)
    assert "too little evidence" in few.reason
    assert decide("standard", 3, DayStats(sent=MIN_EVIDENCE)).action == "increase"


def test_no_sends_at_all_holds() -> None:
    assert decide("standard", 0, DayStats()).action == "hold"


def test_a_small_bad_day_still_pauses() -> None:
    assert decide("conservative", 0, DayStats(sent=5, bounced=1)).action == "pause"


def test_the_plans_last_day_completes_at_peak() -> None:
    done = decide("standard", 42, day())
    assert (done.action, done.next_day, done.volume) == ("complete", 42, 500)
    assert decide("standard", 41, day()).action == "increase"
    assert decide("standard", 42, day(bounced=200)).action == "hold"


def test_a_decision_records_its_inputs_and_reason() -> None:
    decision = decide("standard", 10, day(bounced=200, deferred=30, complained=1))
    assert decision.inputs["sent"] == N
    assert decision.inputs["bounced"] == 200
    assert decision.inputs["bounce_rate"] == 0.02
    assert decision.inputs["deferral_rate"] == 0.003
    assert decision.inputs["thresholds"] == {
        "bounce": 0.02,
        "complaint": 0.0005,
        "deferral": 0.05,
        "pause_bounce": 0.05,
        "pause_complaint": 0.001,
    }
    assert decision.reason == "bounce rate 2.000% at or above its threshold"
    assert Decision.from_dict(decision.to_dict()) == decision


def test_thresholds_can_be_given() -> None:
    strict = Thresholds(bounce=0.01)
    assert decide("standard", 10, day(bounced=100), strict).action == "hold"


def test_day_stats_round_trip_and_placement() -> None:
    stats = DayStats(sent=20, inbox=15, spam=5, opened=14, replied=1)
    assert stats.inbox_rate == 0.75
    assert DayStats.from_dict(stats.to_dict()) == stats


START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
END = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def test_spread_gives_count_sorted_times_inside_the_window() -> None:
    times = spread(255, START, END, seed="mbx_1:2026-03-02")
    assert len(times) == 255
    assert times == sorted(times)
    assert all(START <= at < END for at in times)
    assert all(at.microsecond == 0 for at in times)


def test_spread_is_deterministic_for_a_seed_and_differs_between_seeds() -> None:
    assert spread(50, START, END, seed=7) == spread(50, START, END, seed=7)
    assert spread(50, START, END, seed=7) != spread(50, START, END, seed=8)


def test_spread_covers_the_window_rather_than_bunching() -> None:
    times = spread(10, START, END, seed=1)
    hour = timedelta(hours=1)
    # one send in each of ten one-hour slots
    assert [int((at - START) / hour) for at in times] == list(range(10))


def test_spread_is_jittered_not_evenly_spaced() -> None:
    times = spread(20, START, END, seed=3)
    gaps = {b - a for a, b in zip(times, times[1:], strict=False)}
    assert len(gaps) > 1


def test_spread_edge_cases() -> None:
    assert spread(0, START, END, seed=1) == []
    one_second = spread(3, START, START + timedelta(seconds=1), seed=1)
    assert one_second == [START] * 3
    with pytest.raises(ValueError, match="window"):
        spread(3, END, START, seed=1)
    with pytest.raises(ValueError, match="negative"):
        spread(-1, START, END, seed=1)
