"""The EWMA + z-score detector, on a replayed synthetic history: daily bounce counts drawn
from a fixed bounce probability (noise) and then a step change."""

import random
from datetime import date, timedelta

from chalicelib.health.rules.anomaly import WARMUP_DAYS, Z_THRESHOLD, detect, scan

SENT = 200


def _history(seed: int, days: int, p: float, step_at: int | None = None, step_p: float = 0.0):
    """{day: counts} with ``SENT`` sends a day and binomial bounces."""
    rng = random.Random(seed)
    start = date(2025, 3, 1)
    history = {}
    for i in range(days):
        chance = step_p if step_at is not None and i >= step_at else p
        bounced = sum(rng.random() < chance for _ in range(SENT))
        history[(start + timedelta(days=i)).isoformat()] = {"sent": SENT, "bounced": bounced}
    return history


def _rates(history):
    return [c["bounced"] / c["sent"] for _, c in sorted(history.items())]


def _false_alarms(**plain) -> float:
    """Share of ordinary days flagged over 100 histories of 40 days at a steady 1 %."""
    judged = flagged = 0
    for seed in range(100):
        values = _rates(_history(seed, 40, 0.01))
        steps = scan(values, None if plain else [SENT] * len(values))
        judged += sum(s.decision != "warming_up" for s in steps)
        flagged += sum(s.decision == "anomaly" for s in steps)
    assert judged == 100 * (40 - WARMUP_DAYS)
    return flagged / judged


def test_noise_is_not_flagged():
    assert _false_alarms() < 0.01


def test_the_counting_noise_floor_cuts_false_alarms():
    # the same replay judged without the day sizes (EWMA variance alone) raises more
    assert _false_alarms(plain=True) > 2 * _false_alarms()


def test_a_step_change_is_flagged_on_its_first_day():
    # given 100 histories at 1 % that jump to 6 % on day 30
    caught = 0
    for seed in range(100):
        values = _rates(_history(seed, 31, 0.01, step_at=30, step_p=0.06))
        caught += scan(values, [SENT] * 31)[-1].decision == "anomaly"

    # then nearly every jump is flagged the day it happens
    assert caught >= 85


def test_a_fall_is_never_an_anomaly():
    steps = scan([0.05] * 10 + [0.0])

    assert steps[-1].decision == "normal"
    assert steps[-1].z is not None and steps[-1].z < 0


def test_warming_up_until_enough_history():
    steps = scan([0.01] * (WARMUP_DAYS - 1) + [0.5])

    assert {s.decision for s in steps} == {"warming_up"}


def test_detect_explains_inputs_mean_std_z_threshold_decision():
    history = _history(7, 20, 0.01, step_at=19, step_p=0.10)

    found = detect(history, "bounce_rate").to_public()

    assert found["decision"] == "anomaly"
    assert found["threshold"] == Z_THRESHOLD
    assert found["z"] > Z_THRESHOLD
    assert found["mean"] < 0.03 and found["std"] >= 0.002
    assert len(found["inputs"]) == 20 and found["value"] == found["inputs"][-1]["rate"]


def test_a_day_with_too_few_sends_is_no_data():
    history = _history(1, 10, 0.01)
    history["2025-03-11"] = {"sent": 3, "bounced": 3}

    assert detect(history, "bounce_rate").decision == "no_data"
