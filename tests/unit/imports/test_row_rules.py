"""One record -> a draft or a rejection with its reason; duplicates across the file."""

from __future__ import annotations

import pytest

from chalicelib.imports.rules.csvfile import Record
from chalicelib.imports.rules.mapping import resolve
from chalicelib.imports.rules.rows import Draft, screen

HEADER = ["email", "first name", "last name", "company", "tz", "tags", "deal_size", "renewal"]
TYPES = {"deal_size": "number", "renewal": "date"}
COLUMNS = resolve(HEADER, {}, TYPES)


def _screen(*rows: tuple[str, ...], lists: tuple[str, ...] = ()):
    records = [Record(n + 2, cells) for n, cells in enumerate(rows)]
    return screen(records, COLUMNS, TYPES, lists)


def test_a_full_row_becomes_a_normalised_draft():
    [row] = _screen(
        (
            " Ann@Example.COM ",
            " Ann ",
            "Lee",
            "Acme\nInc",
            "europe/paris",
            "a, b;a|c",
            "12",
            "2026-01-31",
        ),
        lists=("lst_1",),
    )
    assert row.reason is None
    assert row.draft == Draft(
        email="ann@example.com",
        first_name="Ann",
        last_name="Lee",
        company="Acme Inc",
        time_zone="Europe/Paris",
        tags=("a", "b", "c"),
        fields={"deal_size": 12, "renewal": "2026-01-31"},
        lists=("lst_1",),
    )


def test_empty_cells_set_nothing_and_short_rows_are_padded():
    [row] = _screen(("bob@example.com",))
    assert row.draft == Draft(email="bob@example.com")


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (("",), "missing_email"),
        (("not-an-address",), "invalid_address"),
        (("a@b@c.com",), "invalid_address"),
        (("ann@example.com", "", "", "", "Mars/Olympus"), "bad_time_zone"),
        (("ann@example.com", "", "", "", "../../etc/passwd"), "bad_time_zone"),
        (("ann@example.com", "x" * 201), "bad_field_value"),
        (("ann@example.com", "", "", "", "", "", "twelve"), "bad_field_value"),
        (("ann@example.com", "", "", "", "", "", "inf"), "bad_field_value"),
        (("ann@example.com", "", "", "", "", "", "", "31/01/2026"), "bad_field_value"),
        (("ann@example.com", "", "", "", "", "", "", "2026-02-30"), "bad_field_value"),
        (
            ("ann@example.com", "", "", "", "", ",".join(f"t{n}" for n in range(51))),
            "bad_field_value",
        ),
    ],
)
def test_each_rejection_has_its_reason(cells, reason):
    [row] = _screen(cells)
    assert (row.draft, row.reason) == (None, reason)
    assert row.detail


def test_numbers_keep_fractions_and_exponents():
    rows = _screen(
        *[(f"n{i}@example.com", "", "", "", "", "", v) for i, v in enumerate(["1.5", "-2", "1e3"])]
    )
    assert [r.draft.fields["deal_size"] for r in rows] == [1.5, -2, 1000]


def test_a_later_line_with_an_accepted_address_is_a_duplicate_whatever_its_case():
    rows = _screen(("ann@example.com", "Ann"), ("ANN@example.com", "Annie"), ("bob@example.com",))
    assert [r.reason for r in rows] == [None, "duplicate", None]
    assert rows[0].draft.first_name == "Ann"


def test_a_rejected_first_line_does_not_make_the_next_one_a_duplicate():
    rows = _screen(("ann@example.com", "", "", "", "Nowhere/City"), ("ann@example.com",))
    assert [r.reason for r in rows] == ["bad_time_zone", None]


def test_100000_copies_of_one_address_keep_the_first_and_reject_the_rest_as_duplicates():
    rows = _screen(*[("same@example.com", f"N{n}") for n in range(100_000)])
    reasons = [r.reason for r in rows]
    assert reasons[0] is None
    assert reasons.count("duplicate") == 99_999


def test_without_an_email_column_every_row_is_missing_the_column():
    columns = resolve(["name"], {}, {})
    rows = screen([Record(2, ("Ann",)), Record(3, ("Bob",))], columns, {})
    assert [r.reason for r in rows] == ["missing_column", "missing_column"]


@pytest.mark.parametrize(
    "value",
    [
        "a@b.co",
        "Ann.Lee+tag@Example.COM",
        "x@localhost",
        "x@b.local",
        "x@[1.2.3.4]",
        "a..b@c.com",
        ".a@b.com",
        '"q"@b.com',
        "é@b.com",
        "a@bücher.de",
        "a@-b.com",
        "a@b",
        "a@b.test",
        "a@123.456",
        "x" * 65 + "@b.com",
        "a b@c.com",
    ],
)
def test_the_per_domain_shortcut_decides_as_email_validator_does(value):
    from email_validator import EmailNotValidError, validate_email

    from chalicelib.imports.rules.rows import Refused, address

    try:
        expected = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        with pytest.raises(Refused):
            address(value)
    else:
        assert address(value) == expected.normalized.lower()
