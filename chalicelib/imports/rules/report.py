"""Every CSV we write back (the rejected-rows report) is safe to open in a spreadsheet: a
cell that starts with ``=`` ``+`` ``-`` ``@``, a tab or a carriage return would be read as
a formula (``=HYPERLINK(...)``, ``@SUM(...)``; OWASP "CSV injection"), so it gets a single
quote in front, which spreadsheets show as text. Nothing else is changed."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REPORT_COLUMNS = ("line", "reason", "detail")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV document (RFC 4180 quoting, CRLF) with every cell neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in header])
    for row in rows:
        writer.writerow([neutralise(str(c)) for c in row])
    return out.getvalue()


def report_header(source_header: Sequence[str]) -> list[str]:
    return [*REPORT_COLUMNS, *source_header]


def report_row(line: int, reason: str, detail: str, cells: Sequence[str]) -> list[str]:
    return [str(line), reason, detail, *cells]
