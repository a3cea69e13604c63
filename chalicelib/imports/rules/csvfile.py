"""Reading a decoded CSV file into its header and records: the delimiter is the one of
``,`` ``;`` or tab the header line uses most (Excel writes ``;`` in much of Europe); quoted
cells may hold delimiters, quotes and newlines; blank lines are skipped; every record keeps
the line it starts on, so a rejection points at the line a spreadsheet shows."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

MAX_ROWS = 100_000
MAX_COLUMNS = 200
DELIMITERS = (",", ";", "\t")
_ADDRESS_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CsvProblem(ValueError):
    """The file as a whole cannot be imported: ``code`` says why (``empty``,
    ``missing_header``, ``too_many_columns``, ``too_many_rows``, ``malformed``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Record:
    line: int  # the physical line the record starts on; the header is line 1
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    records: list[Record]
    delimiter: str


def delimiter_of(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def header_of(text: str) -> tuple[str, ...]:
    """The column names alone (checked when an inline import is created)."""
    return read(text, max_rows=0, header_only=True).header


def read(text: str, max_rows: int = MAX_ROWS, header_only: bool = False) -> Table:
    delimiter = delimiter_of(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header = _header(reader)
    records: list[Record] = []
    while not header_only:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvProblem("malformed", f"line {start}: {exc}") from exc
        if not any(c.strip() for c in cells):
            continue
        if len(records) == max_rows:
            raise CsvProblem("too_many_rows", f"the file has more than {max_rows} rows")
        records.append(Record(start, tuple(cells)))
    return Table(header, records, delimiter)


def _header(reader: Any) -> tuple[str, ...]:
    try:
        for cells in reader:
            names = tuple(c.strip() for c in cells)
            if not any(names):
                continue  # blank lines before the header
            if any(_ADDRESS_LIKE.match(n) for n in names):
                raise CsvProblem(
                    "missing_header",
                    f"line {reader.line_num} looks like a row of data, not column names: "
                    "the file needs a header line (email, first name, ...)",
                )
            if len(names) > MAX_COLUMNS:
                raise CsvProblem("too_many_columns", f"the file has over {MAX_COLUMNS} columns")
            return names
    except csv.Error as exc:
        raise CsvProblem("malformed", f"line {reader.line_num}: {exc}") from exc
    raise CsvProblem("empty", "the file has no header line")
