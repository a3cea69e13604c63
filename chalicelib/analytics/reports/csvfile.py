"""A report's rows as a CSV document (RFC 4180 quoting, CRLF), every cell neutralised the
way the imports feature's rejected-rows report is (``core.csvcells``: a cell starting with
``=`` ``+`` ``-`` ``@``, a tab or a carriage return gets a leading quote, so a spreadsheet
shows text and runs no formula). NULL is an empty cell."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from chalicelib.core.csvcells import neutralise

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def _cell(value: Any) -> str:
    return "" if value is None else neutralise(str(value))


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(c) for c in columns])
    writer.writerows([_cell(c) for c in row] for row in rows)
    return out.getvalue()
