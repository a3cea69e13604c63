"""The return date an out-of-office auto-reply gives, if it gives one (so a campaign can wait
for the person instead of mailing an empty desk).

Common English phrasings: a date that follows "back", "return(ing)", "until", "till",
"through" or "resume" in the same sentence: "I will be back on Monday 14 December",
"returning 2026-12-14", "out of the office until 12/14", "back on Dec 14th", "away till
14.12.", "back Monday". Dates: ISO ``YYYY-MM-DD``; day and month names either way round with
an optional weekday and year; ``m/d[/y]`` (US order, or ``d/m`` when the first number cannot
be a month); ``d.m.[y]`` (European order); a weekday alone, named in full (the next one
after the reply); "tomorrow". A date without a year is the first one on or after the day
the reply was received (one that passed in the last 60 days is a stale text, not next
year's date); a date before that day or more than a year after it is not a return date.
Pure and bounded: at most ``MAX_TEXT`` characters are read.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

MAX_TEXT = 5000
WINDOW = 80  # characters after a trigger word a date may start within
MAX_AHEAD = timedelta(days=366)
STALE = timedelta(days=60)

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tues", "tue"),
            ("wednesday", "wed"),
            ("thursday", "thurs", "thu"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = "(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\.?,?\s+(?:the\s+)?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"

_TRIGGER = re.compile(
    r"\b(?:back|return(?:ing|s)?|until|till|til|through|thru|resum(?:e|ing))\b", re.I
)
_SENTENCE_END = re.compile(r"[\n!?;]|\.\s+[A-Z]")
# In order of preference when two start at the same place (a full date over a weekday).
_PATTERNS = (
    ("iso", re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)")),
    ("day_month", re.compile(rf"\b(?:{_WEEKDAY})?{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}\b", re.I)),
    ("month_day", re.compile(rf"\b(?:{_WEEKDAY})?{_MONTH}\s+{_DAY}\b{_YEAR}", re.I)),
    ("slash", re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/])")),
    ("dots", re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(?:(\d{2}|\d{4})(?!\d))?")),
    ("weekday", re.compile(rf"\b(?P<weekday>{'|'.join(_FULL_WEEKDAYS)})\b", re.I)),
    ("tomorrow", re.compile(r"\btomorrow\b", re.I)),
)


def return_date(text: str, received_at: date | datetime) -> date | None:
    """The first return date ``text`` gives after a trigger word, or None."""
    received = received_at.date() if isinstance(received_at, datetime) else received_at
    text = text[:MAX_TEXT]
    for trigger in _TRIGGER.finditer(text):
        window = text[trigger.end() : trigger.end() + WINDOW]
        end = _SENTENCE_END.search(window)
        found = _first_date(window[: end.start() + 1 if end else None], received)
        if found is not None:
            return found
    return None


def _first_date(window: str, received: date) -> date | None:
    matches = [
        (match.start(), rank, kind, match)
        for rank, (kind, pattern) in enumerate(_PATTERNS)
        for match in pattern.finditer(window)
    ]
    for _start, _rank, kind, match in sorted(matches, key=lambda found: found[:2]):
        when = _parsed(kind, match, received)
        if when is not None and received <= when <= received + MAX_AHEAD:
            return when
    return None


def _parsed(kind: str, match: re.Match[str], received: date) -> date | None:
    if kind == "weekday":
        ahead = (_WEEKDAYS[match["weekday"].lower()] - received.weekday() - 1) % 7 + 1
        return received + timedelta(days=ahead)
    if kind == "tomorrow":
        return received + timedelta(days=1)
    if kind in ("slash", "dots"):
        first, second = int(match[1]), int(match[2])
        month, day = (first, second) if kind == "slash" and first <= 12 else (second, first)
        return _day(match[3], month, day, received)
    name = str(match["month"]).lower()
    number = int(name) if name.isdigit() else _MONTHS[name]
    return _day(match["year"], number, int(match["day"]), received)


def _day(year: str | None, month: int, day: int, received: date) -> date | None:
    """The date, its year as given (two digits are this century) or else the first one on
    or after ``received`` (None for one that passed in the last ``STALE`` days: a stale
    reply, not a return next year); None when there is no such day."""
    try:
        if year:
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        found = date(received.year, month, day)
        if found >= received:
            return found
        return None if received - found <= STALE else date(received.year + 1, month, day)
    except ValueError:
        return None
