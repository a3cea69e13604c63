"""Reading a CSV the way tenants' files really come: UTF-8 with a BOM, Windows-1252 from
Excel, semicolons, quoted newlines, blank lines, a missing header, too many rows."""

from __future__ import annotations

import codecs

import pytest

from chalicelib.imports.rules import csvfile
from chalicelib.imports.rules.decoding import decode


def test_utf8_with_and_without_a_bom_reads_the_same_text_and_no_note():
    plain = "email,first name\nzoë@example.com,Zoë\n"
    with_bom = decode(codecs.BOM_UTF8 + plain.encode("utf-8"))
    without = decode(plain.encode("utf-8"))
    assert with_bom.text == without.text == plain
    assert with_bom.note is None and without.note is None
    assert csvfile.read(with_bom.text).header == ("email", "first name")


def test_windows_1252_falls_back_with_a_note():
    decoded = decode("email,company\nana@example.com,Café “Le Zinc” – Paris\n".encode("cp1252"))
    assert decoded.encoding == "cp1252"
    assert "Café “Le Zinc” – Paris" in decoded.text
    assert decoded.note and "cp1252" in decoded.note


def test_bytes_no_code_page_maps_fall_back_to_latin1():
    decoded = decode(b"email\n\x81\x8d@example.com\n")  # undefined in cp1252
    assert decoded.encoding == "latin-1"
    assert decoded.note and "latin-1" in decoded.note


def test_utf16_with_a_bom_is_read_and_nul_bytes_are_dropped():
    assert decode(codecs.BOM_UTF16_LE + "email\na@b.co\n".encode("utf-16-le")).text == (
        "email\na@b.co\n"
    )
    assert decode(b"email\x00\na@b.co\n").text == "email\na@b.co\n"


def test_quoted_cells_keep_newlines_delimiters_and_quotes_and_lines_are_the_starting_ones():
    text = 'email,company\r\n"a@b.co","Line one\r\nline two, ""quoted"""\r\nc@d.co,Plain\r\n'
    table = csvfile.read(text)
    assert [r.cells for r in table.records] == [
        ("a@b.co", 'Line one\r\nline two, "quoted"'),
        ("c@d.co", "Plain"),
    ]
    assert [r.line for r in table.records] == [2, 4]


def test_the_delimiter_is_the_one_the_header_uses_most():
    assert csvfile.read("email;first name\na@b.co;Ann\n").records[0].cells == ("a@b.co", "Ann")
    assert csvfile.read("email\tname\na@b.co\tAnn\n").delimiter == "\t"
    assert csvfile.delimiter_of("email\n") == ","


def test_blank_lines_are_skipped_but_lines_still_count():
    table = csvfile.read("\nemail\n\na@b.co\n,\n\nc@d.co\n")
    assert [(r.line, r.cells) for r in table.records] == [(4, ("a@b.co",)), (7, ("c@d.co",))]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("\n\n  \n", "empty"),
        ("ann@example.com,Ann\nbob@example.com,Bob\n", "missing_header"),
        (",".join(f"c{n}" for n in range(201)) + "\n", "too_many_columns"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_whole_says_why(text, code):
    with pytest.raises(csvfile.CsvProblem) as raised:
        csvfile.read(text)
    assert raised.value.code == code


def test_over_the_row_limit_is_refused_at_the_limit_not_before():
    text = "email\n" + "".join(f"u{n}@example.com\n" for n in range(11))
    assert len(csvfile.read(text, max_rows=11).records) == 11
    with pytest.raises(csvfile.CsvProblem) as raised:
        csvfile.read(text, max_rows=10)
    assert raised.value.code == "too_many_rows"


def test_the_default_limit_is_100000_rows():
    assert csvfile.MAX_ROWS == 100_000


def test_the_header_alone_is_read_without_the_rows():
    assert csvfile.header_of("Email, First Name \n" + "x" * 10) == ("Email", "First Name")
