"""The return date of an out-of-office text (``inbound.rules.return_date``): the common
English phrasings, the year a date without one falls in, and the texts that give none."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from chalicelib.inbound.rules.return_date import return_date

RECEIVED = date(2026, 12, 10)  # a Thursday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I will be back on Monday 14 December", date(2026, 12, 14)),
        ("I'm returning 2026-12-14.", date(2026, 12, 14)),
        ("I am out of the office until 12/14 with no access to email.", date(2026, 12, 14)),
        ("Back on Dec 14th!", date(2026, 12, 14)),
        ("I'll be back on the 14th of December 2026.", date(2026, 12, 14)),
        ("Out of office until Monday, December 14, 2026.", date(2026, 12, 14)),
        ("I return on 14 Dec.", date(2026, 12, 14)),
        ("Away till 14.12. Regards, Ann", date(2026, 12, 14)),
        ("On leave until 14/12/2026", date(2026, 12, 14)),  # d/m: 14 cannot be a month
        ("I'm away, back Monday.", date(2026, 12, 14)),
        ("I'm away today, back tomorrow.", date(2026, 12, 11)),
        ("I am on vacation through January 5th and will reply then.", date(2027, 1, 5)),
        ("Out of office until 1/4/27.", date(2027, 1, 4)),
        (
            "Thanks for your email.\nI will be back in the office on December 14.",
            date(2026, 12, 14),
        ),
        ("BACK ON SEPT 3", date(2027, 9, 3)),
    ],
)
def test_common_phrasings_give_their_date(text, expected):
    assert return_date(text, RECEIVED) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I am out of the office with limited access to email.",
        "I am away until further notice. Call 555-1234 or see 12/14 for the event.",
        "Thanks! I'll get back to you soon.",
        "I am back in the sun soon.",
        "Back on Dec 5",  # passed five days ago: a stale text, not next December
        "Back 2026-12-01",  # the past, with its year
        "Returning 2028-01-04",  # more than a year ahead
        "Back on February 30",  # no such day
        "Our office closes on 24 December.",  # a date, but no return word before it
    ],
)
def test_texts_without_a_return_date_give_none(text):
    assert return_date(text, RECEIVED) is None


def test_a_date_without_a_year_is_the_next_one_and_a_datetime_is_taken_by_its_day():
    received = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert return_date("back on 2 January", received) == date(2027, 1, 2)
    assert return_date("back on 31 December", received) == date(2026, 12, 31)


def test_the_first_return_word_with_a_date_wins():
    text = "I am back. I will be back on 15 December, returning fully on 4 January."
    assert return_date(text, RECEIVED) == date(2026, 12, 15)


@pytest.mark.parametrize("seed", range(5))
def test_any_text_gives_a_date_or_none_and_long_texts_are_cut(seed):
    rng = random.Random(seed)
    words = ["back", "until", "12/14", "Dec", "14th", "2026-12-", "on", ".", "\n", "Monday", "9"]
    text = " ".join(rng.choice(words) for _ in range(3000))
    found = return_date(text, RECEIVED)
    assert found is None or RECEIVED <= found <= date(2027, 12, 11)
    assert return_date("x" * 6000 + " back on 14 December", RECEIVED) is None
