"""The sending window: open or closed, the next opening, the contact's zone over the
campaign's, weekends, and the DST nights of Europe/Berlin and America/New_York (2026:
Berlin springs forward on 29 March and falls back on 25 October, New York on 8 March and
1 November)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.campaigns.rules.window import (
    Window,
    effective_zone,
    is_open,
    local_day,
    next_open,
)

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def office(zone: str = BERLIN, days: frozenset[int] = WEEKDAYS) -> Window:
    return Window(weekdays=days, start=time(9), end=time(17), time_zone=zone)


def test_open_from_the_start_inclusive_to_the_end_exclusive_in_local_time():
    window = office()  # Monday 5 January 2026, Berlin is UTC+1
    assert not is_open(window, None, utc(2026, 1, 5, 7, 59, 59))
    assert is_open(window, None, utc(2026, 1, 5, 8, 0))
    assert is_open(window, None, utc(2026, 1, 5, 15, 59, 59))
    assert not is_open(window, None, utc(2026, 1, 5, 16, 0))


def test_closed_all_weekend_even_inside_the_hours():
    window = office()
    for day in (10, 11):  # Saturday, Sunday
        assert not any(is_open(window, None, utc(2026, 1, day, h)) for h in range(24))
    assert is_open(window, None, utc(2026, 1, 9, 12))  # the Friday before


def test_the_contacts_zone_when_known_else_the_campaigns():
    window = office(BERLIN)  # Monday 14:00 UTC: 15:00 in Berlin, 09:00 in New York
    assert is_open(window, NEW_YORK, utc(2026, 1, 5, 14))
    assert not is_open(window, NEW_YORK, utc(2026, 1, 5, 13))  # 08:00 in New York
    assert is_open(window, None, utc(2026, 1, 5, 13))  # 14:00 in Berlin
    assert effective_zone(window, NEW_YORK) == ZoneInfo(NEW_YORK)
    assert effective_zone(window, None) == ZoneInfo(BERLIN)


@pytest.mark.parametrize("bad_zone", ["Mars/Olympus_Mons", "", "../../etc/passwd", "localtime"])
def test_an_unusable_contact_zone_falls_back_to_the_campaigns(bad_zone):
    assert effective_zone(office(BERLIN), bad_zone) == ZoneInfo(BERLIN)


def test_the_contacts_weekday_counts_not_the_campaigns():
    # Friday 23:30 in New York is already Saturday in Berlin.
    window = Window(weekdays=WEEKDAYS, start=time(20), end=time(23, 59), time_zone=BERLIN)
    friday_night_in_new_york = utc(2026, 1, 10, 4, 30)
    assert is_open(window, NEW_YORK, friday_night_in_new_york)
    assert not is_open(window, None, friday_night_in_new_york)


def test_next_open_is_the_moment_itself_when_open_given_in_utc():
    at = datetime(2026, 1, 5, 10, 0, tzinfo=ZoneInfo(BERLIN))
    found = next_open(office(), None, at)
    assert found == at and found.tzinfo == UTC


def test_next_open_later_the_same_day_and_the_next_day():
    window = office()
    assert next_open(window, None, utc(2026, 1, 5, 5)) == utc(2026, 1, 5, 8)
    assert next_open(window, None, utc(2026, 1, 5, 16)) == utc(2026, 1, 6, 8)


@pytest.mark.parametrize(
    "at",
    [
        utc(2026, 1, 9, 16, 0),  # Friday 17:00 in Berlin, the end
        utc(2026, 1, 10, 12, 0),  # Saturday noon
        utc(2026, 1, 11, 22, 59),  # Sunday 23:59
    ],
)
def test_next_open_crosses_the_weekend_to_monday_morning(at):
    assert next_open(office(), None, at) == utc(2026, 1, 12, 8)


def test_next_open_in_the_contacts_zone():
    # Saturday in both zones: Monday 09:00 in New York is 14:00 UTC.
    assert next_open(office(BERLIN), NEW_YORK, utc(2026, 1, 10, 12)) == utc(2026, 1, 12, 14)


def test_a_window_of_one_weekday_waits_a_week():
    window = office(days=frozenset({2}))  # Wednesdays
    assert next_open(window, None, utc(2026, 1, 7, 16)) == utc(2026, 1, 14, 8)


def test_berlin_spring_forward_moves_the_opening_an_hour_earlier_in_utc():
    window = office(days=EVERY_DAY)
    assert next_open(window, None, utc(2026, 3, 28, 17)) == utc(2026, 3, 29, 7)  # CEST
    assert next_open(window, None, utc(2026, 3, 27, 17)) == utc(2026, 3, 28, 8)  # CET


def test_an_opening_inside_the_spring_gap_opens_when_the_gap_ends():
    # Berlin jumps from 02:00 to 03:00 on 29 March 2026 (01:00 UTC).
    window = Window(weekdays=EVERY_DAY, start=time(2, 30), end=time(6), time_zone=BERLIN)
    opening = next_open(window, None, utc(2026, 3, 28, 23))
    assert opening == utc(2026, 3, 29, 1)  # 03:00 CEST
    assert is_open(window, None, opening)
    assert not is_open(window, None, opening - timedelta(seconds=1))  # 01:59:59 CET


def test_a_window_wholly_inside_the_spring_gap_skips_that_day():
    window = Window(weekdays=EVERY_DAY, start=time(2, 10), end=time(2, 50), time_zone=BERLIN)
    assert next_open(window, None, utc(2026, 3, 28, 23)) == utc(2026, 3, 30, 0, 10)


def test_autumn_fold_opens_at_the_first_occurrence_and_both_count():
    # Berlin goes back from 03:00 CEST to 02:00 CET on 25 October 2026 (01:00 UTC).
    window = Window(weekdays=EVERY_DAY, start=time(2, 30), end=time(2, 45), time_zone=BERLIN)
    assert next_open(window, None, utc(2026, 10, 24, 23)) == utc(2026, 10, 25, 0, 30)
    assert is_open(window, None, utc(2026, 10, 25, 1, 30))  # 02:30 CET, the second time
    assert not is_open(window, None, utc(2026, 10, 25, 1, 0))  # 02:00 CET


def test_new_york_spring_forward_and_fall_back():
    window = office(NEW_YORK, EVERY_DAY)
    assert next_open(window, None, utc(2026, 3, 7, 23)) == utc(2026, 3, 8, 13)  # 09:00 EDT
    assert next_open(window, None, utc(2026, 3, 6, 23)) == utc(2026, 3, 7, 14)  # 09:00 EST
    assert next_open(window, None, utc(2026, 10, 31, 23)) == utc(2026, 11, 1, 14)  # EST
    early = Window(weekdays=EVERY_DAY, start=time(1), end=time(1, 30), time_zone=NEW_YORK)
    assert next_open(early, None, utc(2026, 11, 1, 0)) == utc(2026, 11, 1, 5)  # 01:00 EDT


def test_local_day_is_the_day_in_the_effective_zone():
    late_monday_utc = utc(2026, 1, 5, 23, 30)
    assert local_day(office(BERLIN), None, late_monday_utc) == "2026-01-06"
    assert local_day(office(BERLIN), NEW_YORK, late_monday_utc) == "2026-01-05"


@pytest.mark.parametrize(
    ("window", "contact_zone"),
    [
        (office(BERLIN), None),
        (office(BERLIN), NEW_YORK),
        (Window(frozenset({0, 3, 6}), time(2, 15), time(3, 15), NEW_YORK), None),
        (Window(frozenset({6}), time(2, 30), time(2, 45), BERLIN), "Australia/Lord_Howe"),
    ],
)
def test_next_open_is_open_and_nothing_before_it_is(window, contact_zone):
    """Over a year of start times, on a grid of quarter hours (every window here starts and
    ends on a quarter hour, and every transition of these zones is on one)."""
    quarter = timedelta(minutes=15)
    for at in (utc(2026, 1, 1) + timedelta(minutes=577 * n) for n in range(0, 920, 7)):
        found = next_open(window, contact_zone, at)
        assert found >= at and is_open(window, contact_zone, found)
        probe = at + quarter - timedelta(minutes=at.minute % 15, seconds=at.second)
        while probe < found:
            assert not is_open(window, contact_zone, probe), (at, probe, found)
            probe += quarter


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        is_open(office(), None, datetime(2026, 1, 5, 10))


@pytest.mark.parametrize(
    "fields",
    [
        {"weekdays": frozenset(), "start": time(9), "end": time(17), "time_zone": BERLIN},
        {"weekdays": frozenset({7}), "start": time(9), "end": time(17), "time_zone": BERLIN},
        {"weekdays": WEEKDAYS, "start": time(17), "end": time(9), "time_zone": BERLIN},
        {"weekdays": WEEKDAYS, "start": time(9), "end": time(9), "time_zone": BERLIN},
        {"weekdays": WEEKDAYS, "start": time(9), "end": time(17), "time_zone": "Nowhere/X"},
    ],
)
def test_a_window_that_could_never_open_cannot_be_built(fields):
    with pytest.raises(ValueError):
        Window(**fields)
