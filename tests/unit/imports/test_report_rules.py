"""Every CSV we write back is neutralised: a cell a spreadsheet would run as a formula gets a
single quote in front; nothing else changes."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib.imports.rules.report import neutralise, report_header, report_row, write_csv


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\tcmd",
        "\r=1",
    ],
)
def test_formula_starts_get_a_single_quote(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "Ann", "a=b", "1+1", " =1", "'=1", "ann@example.com"])
def test_other_cells_are_unchanged(cell):
    assert neutralise(cell) == cell


def test_the_report_is_a_csv_whose_every_cell_is_neutralised_and_round_trips():
    header = report_header(["email", "=evil header"])
    rows = [report_row(2, "invalid_address", "-bad", ["=cmd|' /C calc'!A0", 'multi\nline "q"'])]
    text = write_csv(header, rows)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [
        ["line", "reason", "detail", "email", "'=evil header"],
        ["2", "invalid_address", "'-bad", "'=cmd|' /C calc'!A0", 'multi\nline "q"'],
    ]
    assert text.endswith("\r\n")
