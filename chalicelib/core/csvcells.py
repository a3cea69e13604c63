"""Every CSV we write back (the imports' rejected-rows report, analytics reports) is safe to
open in a spreadsheet: a cell that starts with ``=`` ``+`` ``-`` ``@``, a tab or a carriage
return would be read as a formula (``=HYPERLINK(...)``, ``@SUM(...)``; OWASP "CSV
injection"), so it gets a single quote in front, which spreadsheets show as text. Nothing
else is changed."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
