"""Wait steps: hours of elapsed time, business days that skip the weekend in the contact's
zone and keep the local time of day across a DST change."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.campaigns.rules.waits import after_wait, is_business_day

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def test_hours_are_elapsed_time_even_over_the_spring_dst_night():
    at = local(BERLIN, 2026, 3, 28, 10)  # Saturday 10:00 CET
    later = after_wait(at, 24, None, BERLIN)
    assert later - at == timedelta(hours=24)
    assert later.tzinfo == UTC
    assert later.astimezone(BERLIN).hour == 11  # the clocks moved, the wait did not


@pytest.mark.parametrize(
    ("start_day", "days", "end_day"),
    [
        (5, 1, 6),  # Monday -> Tuesday
        (5, 5, 12),  # Monday -> next Monday
        (8, 2, 12),  # Thursday -> Monday
        (9, 1, 12),  # Friday -> Monday
        (10, 1, 12),  # Saturday -> Monday
        (11, 1, 12),  # Sunday -> Monday
        (9, 10, 23),  # Friday -> two weeks on, Friday
    ],
)
def test_business_days_skip_saturday_and_sunday_and_keep_the_time_of_day(start_day, days, end_day):
    at = local(BERLIN, 2026, 1, start_day, 10, 15)
    assert after_wait(at, None, days, BERLIN) == local(BERLIN, 2026, 1, end_day, 10, 15)


@pytest.mark.parametrize(
    ("zone", "friday", "monday", "utc_before", "utc_after"),
    [
        (BERLIN, (2026, 3, 27), (2026, 3, 30), 9, 8),  # CET -> CEST on Sunday 29 March
        (NEW_YORK, (2026, 3, 6), (2026, 3, 9), 15, 14),  # EST -> EDT on Sunday 8 March
        (BERLIN, (2026, 10, 23), (2026, 10, 26), 8, 9),  # CEST -> CET on Sunday 25 October
        (NEW_YORK, (2026, 10, 30), (2026, 11, 2), 14, 15),  # EDT -> EST on Sunday 1 November
    ],
)
def test_business_days_across_a_dst_weekend_keep_the_local_time(
    zone, friday, monday, utc_before, utc_after
):
    at = local(zone, *friday, 10)
    later = after_wait(at, None, 1, zone)
    assert later == local(zone, *monday, 10)
    assert (at.astimezone(UTC).hour, later.astimezone(UTC).hour) == (utc_before, utc_after)


def test_which_day_it_is_depends_on_the_zone():
    at = datetime(2026, 1, 9, 23, 30, tzinfo=UTC)  # Friday 18:30 in New York, Saturday in Berlin
    assert is_business_day(at, NEW_YORK) and not is_business_day(at, BERLIN)
    assert after_wait(at, None, 1, NEW_YORK) == datetime(2026, 1, 12, 23, 30, tzinfo=UTC)
    assert after_wait(at, None, 1, BERLIN) == datetime(2026, 1, 11, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("hours", "business_days"),
    [(None, None), (2, 1), (0, None), (None, 0), (-3, None), (True, None), (None, 1.5)],
)
def test_a_wait_is_exactly_one_positive_whole_number(hours, business_days):
    with pytest.raises(ValueError):
        after_wait(datetime(2026, 1, 5, tzinfo=UTC), hours, business_days, BERLIN)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError, match="aware"):
        after_wait(datetime(2026, 1, 5), 1, None, BERLIN)
