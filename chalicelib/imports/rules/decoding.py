"""Turning an uploaded file's bytes into text: UTF-8 with or without a byte-order mark (and
UTF-16 when a BOM says so); anything that is not valid UTF-8 is read as Windows-1252 (what
Excel writes on Windows), and bytes even that cannot map are read as Latin-1, which maps
every byte. A fallback is reported as a note on the job, never silently."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    note: str | None = None  # set when the file was not UTF-8


def decode(data: bytes) -> Decoded:
    """The text of ``data``; NUL characters are dropped (no spreadsheet cell holds one)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(_clean(data[len(bom) :].decode(encoding)), encoding)
            except UnicodeDecodeError:
                break  # a BOM followed by something else: try the fallbacks
    try:
        return Decoded(_clean(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        note = f"the file is not valid UTF-8; it was read as {encoding}"
        return Decoded(_clean(text), encoding, note)
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _clean(text: str) -> str:
    return text.replace("\x00", "")
