"""Firehose data transformation (the ``AnalyticsDeliveryStream``'s Lambda processor): each
record of the events stream becomes its OLAP row (``analytics.olap_rows``: the event's own
fields, plus what its message's facts add, read once per tenant of the invocation), as one
JSON line that Firehose converts to Parquet through the Glue table, with the partition keys
(``tenant_id``, ``day``) in the record's metadata for dynamic partitioning.

A record that is not an event (not JSON, no tenant, no time) is ``ProcessingFailed`` with
its data as it came, so Firehose writes it under the error prefix; the other records are
``Ok``. A failure to read the facts fails the invocation, so Firehose retries it. The local
Firehose (``infrastructure/local/firehose_pump.py``) calls this same handler.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from chalicelib import analytics, sending
from functions._runtime import count, invocation

if TYPE_CHECKING:
    from collections.abc import Mapping

REQUIRED = ("event_id", "type", "tenant_id", "occurred_at")


def parse_event(data: object) -> dict[str, Any] | None:
    """The event in a record's base64 data; None for anything that is not one."""
    try:
        event = json.loads(base64.b64decode(str(data), validate=True))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(event, dict) or any(
        not isinstance(event.get(k), str) or not event[k] for k in REQUIRED
    ):
        return None
    return event if len(event["occurred_at"]) >= 10 else None


def transform(records: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Firehose's reply records, in the order of ``records``."""
    events = [parse_event(r.get("data")) for r in records]
    valid = [e for e in events if e is not None]
    rows = iter(analytics.olap_rows(valid, sending.message_facts()) if valid else [])
    return [
        _ok(str(r.get("recordId")), next(rows))
        if e is not None
        else {"recordId": r.get("recordId"), "result": "ProcessingFailed", "data": r.get("data")}
        for r, e in zip(records, events, strict=True)
    ]


def _ok(record_id: str, row: dict[str, Any]) -> dict[str, Any]:
    line = json.dumps(row, separators=(",", ":")) + "\n"
    return {
        "recordId": record_id,
        "result": "Ok",
        "data": base64.b64encode(line.encode()).decode(),
        "metadata": {"partitionKeys": {"tenant_id": row["tenant_id"], "day": row["day"]}},
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("olap_transform", context):
        records = list(event.get("records") or [])
        out = transform(records)
        failed = sum(1 for r in out if r["result"] != "Ok")
        count("OlapRowsWritten", len(out) - failed)
        if failed:
            count("MalformedEvents", failed)
        return {"records": out}
