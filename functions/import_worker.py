"""Import worker (SQS ``contact-imports``): each record is one job of the imports feature:
parse an uploaded file into chunks, import one chunk, or write a tenant export. Each record
is handled alone (Powertools' BatchProcessor, partial batch failures): a record that raises
comes back after the visibility timeout and, after ``maxReceiveCount``, goes to the DLQ;
every step is safe to run again. A record that is not a job can never become one: it is
logged, counted and dropped."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import imports
from chalicelib.aws import powertools
from functions._runtime import count, invocation, sqs_partial_batch

if TYPE_CHECKING:
    from collections.abc import Mapping


def parse_job(body: str) -> dict[str, Any] | None:
    try:
        job = json.loads(body)
    except (ValueError, TypeError):
        return None
    return job if isinstance(job, dict) else None


def handle_record(record: Any) -> None:
    job = parse_job(record.body)
    outcome = imports.handle_job(imports.import_ports(), job) if job else "malformed"
    if outcome == "malformed":
        powertools.logger().warning("dropped a record that is not an import job")
    count("ImportJobs_" + outcome)


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    with invocation("import_worker", context):
        return sqs_partial_batch(event, context, handle_record)
