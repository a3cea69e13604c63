"""The rejected-rows report as CSV, every cell neutralised (``core.csvcells``: a cell that a
spreadsheet would run as a formula gets a leading quote)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from chalicelib.core.csvcells import FORMULA_STARTS, neutralise

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_STARTS", "neutralise", "report_header", "report_row", "write_csv"]

REPORT_COLUMNS = ("line", "reason", "detail")


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
