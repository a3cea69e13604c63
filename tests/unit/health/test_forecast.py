"""The spam-rate forecast: Theil–Sen trend, the crossing day of 0.3 %, and the throttle."""

from datetime import date, timedelta

from chalicelib.health.rules.forecast import forecast, theil_sen, throttled_cap

TODAY = "2025-03-14"


def _days(rates_oldest_first, delivered=10_000):
    """{day: counts} ending today, with ``complaints`` giving each day's spam rate."""
    end = date.fromisoformat(TODAY)
    n = len(rates_oldest_first)
    return {
        (end - timedelta(days=n - 1 - i)).isoformat(): {
            "sent": delivered,
            "complaints": round(rate * delivered),
        }
        for i, rate in enumerate(rates_oldest_first)
    }


def test_theil_sen_ignores_one_outlier():
    points = [(float(x), 0.001 * x) for x in range(10)]
    points[4] = (4.0, 0.5)

    slope, intercept = theil_sen(points)

    assert abs(slope - 0.001) < 1e-12 and abs(intercept) < 1e-12


def test_a_rising_spam_rate_that_crosses_within_the_horizon_throttles():
    # 0.05 % rising 0.02 % a day: 0.21 % today, 0.3 % in 5 days
    found = forecast(_days([0.0005 + 0.0002 * i for i in range(9)]), TODAY)

    assert found.decision == "throttle"
    assert found.days_until == 5
    assert found.crossing_day == "2025-03-19"
    assert abs(found.slope_per_day - 0.0002) < 1e-9


def test_a_slow_rise_beyond_the_horizon_does_not():
    found = forecast(_days([0.0005 + 0.0001 * i for i in range(14)]), TODAY)

    assert found.decision == "ok" and found.days_until > 7


def test_a_flat_or_falling_rate_never_crosses():
    found = forecast(_days([0.002 - 0.0001 * i for i in range(10)]), TODAY)

    assert (found.decision, found.crossing_day) == ("ok", None)


def test_over_the_limit_already_throttles_today():
    found = forecast(_days([0.004] * 6), TODAY)

    assert (found.decision, found.days_until, found.crossing_day) == ("throttle", 0, TODAY)


def test_too_few_rated_days_is_no_forecast():
    found = forecast(_days([0.001, 0.002, 0.003, 0.004]), TODAY)
    thin = forecast(_days([0.001 * i for i in range(10)], delivered=10), TODAY)

    assert found.decision == thin.decision == "no_data"
    assert len(found.to_public()["inputs"]) == 14


def test_the_throttle_halves_the_cap_with_a_floor():
    assert [throttled_cap(n) for n in (100, 9, 5, 3)] == [50, 5, 5, 3]
