"""The JSON of the files an import leaves between its steps: a chunk of screened rows (what
the parse step hands each chunk message) and a chunk's result (its tally and rejected rows,
kept so a redelivered chunk is counted from what it did the first time, and read back to
write the report)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from chalicelib.imports.rules.jobs import Tally
from chalicelib.imports.rules.rows import Draft, Row


def encode_rows(rows: list[Row]) -> bytes:
    return json.dumps([_row(r) for r in rows], separators=(",", ":")).encode("utf-8")


def _row(row: Row) -> dict[str, Any]:
    return {
        "line": row.line,
        "cells": list(row.cells),
        "draft": _plain(row.draft) if row.draft else None,
        "reason": row.reason,
        "detail": row.detail,
    }


def _plain(draft: Draft) -> dict[str, Any]:
    # not dataclasses.asdict: it deep-copies every value, a third of a 100k-row parse
    return {
        "email": draft.email,
        "first_name": draft.first_name,
        "last_name": draft.last_name,
        "company": draft.company,
        "time_zone": draft.time_zone,
        "tags": list(draft.tags),
        "fields": draft.fields,
        "lists": list(draft.lists),
    }


def decode_rows(data: bytes) -> list[Row]:
    return [
        Row(
            int(r["line"]),
            tuple(r["cells"]),
            _draft(r["draft"]) if r.get("draft") else None,
            r.get("reason"),
            r.get("detail", ""),
        )
        for r in json.loads(data)
    ]


def _draft(d: dict[str, Any]) -> Draft:
    return Draft(**{**d, "tags": tuple(d.get("tags", ())), "lists": tuple(d.get("lists", ()))})


def encode_result(tally: Tally, rejected: list[Row]) -> bytes:
    body = {"tally": asdict(tally), "rejected": [_row(r) for r in rejected]}
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def decode_result(data: bytes) -> tuple[Tally, list[Row]]:
    body = json.loads(data)
    tally = Tally(**body["tally"])
    return tally, [
        Row(int(r["line"]), tuple(r["cells"]), None, r["reason"], r["detail"])
        for r in body["rejected"]
    ]
