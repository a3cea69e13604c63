"""Report worker (SQS ``analytics-reports``): each record is one report job to run: its
SQL through the analytics queries (Athena on AWS, DuckDB locally), its rows kept in the job
or as a CSV. Each record is handled alone (Powertools' BatchProcessor, partial batch
failures): a record that raises (the job store or the bucket unreachable) comes back after
the visibility timeout and, after ``maxReceiveCount``, goes to the DLQ; running a job again
is safe (a job that ended is skipped). A failed query ends the job ``failed`` with its
error. A record that is not a job is logged, counted and dropped."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import analytics
from chalicelib.aws import powertools
from functions._runtime import count, invocation, sqs_partial_batch

if TYPE_CHECKING:
    from collections.abc import Mapping


def parse_job(body: str) -> tuple[str, str] | None:
    """(tenant id, report id) of a ``report.run`` body; None for anything else."""
    try:
        job = json.loads(body)
    except (ValueError, TypeError):
        return None
    if not isinstance(job, dict) or job.get("kind") != "report.run":
        return None
    tenant_id, report_id = job.get("tenant_id"), job.get("id")
    if not isinstance(tenant_id, str) or not isinstance(report_id, str):
        return None
    return tenant_id, report_id


def handle_record(record: Any) -> None:
    job = parse_job(record.body)
    outcome = analytics.run_report(analytics.report_ports(), *job) if job else "malformed"
    if outcome == "malformed":
        powertools.logger().warning("dropped a record that is not a report job")
    count("ReportJobs_" + outcome)


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    with invocation("report_worker", context):
        return sqs_partial_batch(event, context, handle_record)
