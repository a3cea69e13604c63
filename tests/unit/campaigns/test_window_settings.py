"""Reading a window from a campaign's settings: every mistake a client can make is a 422
that names the field."""

from datetime import time

import pytest

from chalicelib.campaigns.rules.window import Window, parse_window, window_settings
from chalicelib.core.errors import UnprocessableEntity


def test_weekday_names_and_numbers_mix():
    window = parse_window(["mon", "Tue", 4, "sun"], "09:00", "17:30", "Europe/Berlin")
    assert window == Window(frozenset({0, 1, 4, 6}), time(9), time(17, 30), "Europe/Berlin")


def test_end_of_day_closes_at_midnight_and_settings_round_trip():
    window = parse_window([0, 1, 2], "00:00", "24:00", "America/New_York")
    assert window.end == time.max
    settings = window_settings(window)
    assert settings == {
        "weekdays": ["mon", "tue", "wed"],
        "start": "00:00",
        "end": "24:00",
        "time_zone": "America/New_York",
    }
    assert parse_window(**settings) == window


@pytest.mark.parametrize(
    ("weekdays", "start", "end", "zone", "field"),
    [
        ([], "09:00", "17:00", "UTC", "weekdays"),
        ("mon", "09:00", "17:00", "UTC", "weekdays"),
        (["funday"], "09:00", "17:00", "UTC", "weekdays"),
        ([7], "09:00", "17:00", "UTC", "weekdays"),
        ([-1], "09:00", "17:00", "UTC", "weekdays"),
        ([True], "09:00", "17:00", "UTC", "weekdays"),
        ([None], "09:00", "17:00", "UTC", "weekdays"),
        (["mon"], "9:00", "17:00", "UTC", "start"),
        (["mon"], "24:00", "17:00", "UTC", "start"),
        (["mon"], "09:60", "17:00", "UTC", "start"),
        (["mon"], 900, "17:00", "UTC", "start"),
        (["mon"], "09:00", "5pm", "UTC", "end"),
        (["mon"], "09:00", "17:00:00", "UTC", "end"),
        (["mon"], "17:00", "09:00", "UTC", "start"),
        (["mon"], "09:00", "09:00", "UTC", "start"),
        (["mon"], "09:00", "17:00", "Mars/Olympus_Mons", "time_zone"),
        (["mon"], "09:00", "17:00", "", "time_zone"),
        (["mon"], "09:00", "17:00", "../../etc/passwd", "time_zone"),
        (["mon"], "09:00", "17:00", "localtime", "time_zone"),
    ],
)
def test_bad_settings_are_a_422_naming_the_field(weekdays, start, end, zone, field):
    with pytest.raises(UnprocessableEntity) as caught:
        parse_window(weekdays, start, end, zone)
    assert caught.value.status == 422
    assert caught.value.details["field"] == f"settings.window.{field}"
    assert f"settings.window.{field}" in caught.value.message
