"""Domain events held to their published schemas, ``events/schemas/<type>.json``
(JSON Schema draft 2020-12, formats such as ``date-time`` checked), and the events stream
of a running platform read back from its start.

``event_problems`` is the check: an event whose type has no schema file, or that does not
validate against it (missing or extra fields, wrong types or patterns), has problems.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "events" / "schemas"
ENVELOPE = ("event_id", "type", "tenant_id", "occurred_at", "schema_version")
_TYPE_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")


def schema_types() -> set[str]:
    """Every event type that has a schema file."""
    return {path.name.removesuffix(".json") for path in SCHEMAS.glob("*.json")}


@cache
def validator(event_type: str) -> Draft202012Validator | None:
    """The validator of one type's schema, or None when the type has no schema file."""
    path = SCHEMAS / f"{event_type}.json"
    if not _TYPE_NAME.match(event_type) or not path.is_file():
        return None
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def event_problems(event: Any) -> list[str]:
    """Everything wrong with one event; empty when it matches its type's schema."""
    if not isinstance(event, dict):
        return [f"not a JSON object: {event!r:.200}"]
    event_type = event.get("type")
    name = f"{event_type} {event.get('event_id', '(no event_id)')}"
    if not isinstance(event_type, str):
        return [f"{name}: no type"]
    checker = validator(event_type)
    if checker is None:
        return [f"{name}: no schema events/schemas/{event_type}.json"]
    return [
        f"{name}: {'/'.join(str(p) for p in error.absolute_path) or '(event)'}: {error.message}"
        for error in sorted(checker.iter_errors(event), key=lambda e: [str(p) for p in e.path])
    ]


def record_problems(data: bytes) -> list[str]:
    """The problems of one stream record: it must be one JSON event that matches."""
    try:
        event = json.loads(data)
    except ValueError as exc:
        return [f"a record that is not JSON ({exc}): {data[:200]!r}"]
    return event_problems(event)


def events_stream_name(cloudformation: Any, stack: str) -> str:
    """The events stream of the deployed stack (its ``EventsStream`` output)."""
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    return next(o["OutputValue"] for o in outputs if o["OutputKey"] == "EventsStream")


def read_stream(kinesis: Any, stream: str, max_calls: int = 1000) -> list[bytes]:
    """The data of every record on every shard of ``stream``, from ``TRIM_HORIZON`` up to
    now (a bounded number of ``GetRecords`` calls per shard)."""
    shards: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = (
            kinesis.list_shards(NextToken=token)
            if token
            else kinesis.list_shards(StreamName=stream)
        )
        shards += page["Shards"]
        token = page.get("NextToken")
        if not token:
            break
    found: list[bytes] = []
    for shard in shards:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for _ in range(max_calls):
            reply = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            found += [record["Data"] for record in reply["Records"]]
            iterator = reply.get("NextShardIterator")
            if not reply["Records"] or not iterator:
                break
        else:
            raise AssertionError(f"shard {shard['ShardId']} did not end in {max_calls} reads")
    return found
