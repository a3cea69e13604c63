"""Builds the analytics feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.analytics.ports import (
        AnalyticsQueries,
        CounterStore,
        EngagementWrites,
        RecordOwners,
        ReportFiles,
        ReportJobs,
        ReportQueue,
    )
    from chalicelib.analytics.report_service import ReportPorts


@provider("analytics.counters")
def counters() -> CounterStore:
    """The counters, for reading (usage, caps) and for counting events that touch nothing
    but counters."""
    return counting_store(None)


def counting_store(engagement: EngagementWrites | None) -> CounterStore:
    """The counters with what other stores write in the same transaction."""
    from chalicelib.analytics.store import COUNTERS, MARKERS, DynamoCounterStore

    return DynamoCounterStore(COUNTERS.bind(), MARKERS.bind(), engagement)


@provider("analytics.queries")
def queries() -> AnalyticsQueries:
    """The OLAP tier's queries: Athena on AWS, DuckDB over the local files (the adapters
    are ``chalicelib.analytics.queries``, the OLAP tier's work)."""
    raise RuntimeError("the analytics query adapters are not wired in this build")


@provider("analytics.report_jobs")
def report_jobs() -> ReportJobs:
    from chalicelib.analytics.report_store import JOBS, DynamoReportJobs

    return DynamoReportJobs(JOBS.bind())


@provider("analytics.report_queue")
def report_queue() -> ReportQueue:
    from chalicelib.analytics.report_store import ReportSqsQueue
    from chalicelib.aws import clients
    from chalicelib.core.settings import settings

    return ReportSqsQueue(clients.sqs(), settings().analytics_reports_queue_url)


@provider("analytics.report_files")
def report_files() -> ReportFiles:
    from chalicelib.analytics.report_store import S3ReportFiles
    from chalicelib.aws import clients
    from chalicelib.core.settings import settings

    return S3ReportFiles(clients.s3(), settings().bucket)


@provider("analytics.report_owners")
def report_owners() -> RecordOwners:
    from chalicelib.analytics.report_owners import RegisteredOwners

    return RegisteredOwners()


@provider("analytics.report_ports")
def report_ports() -> ReportPorts:
    from chalicelib.analytics.report_service import ReportPorts
    from chalicelib.core.clock import system_clock

    return ReportPorts(
        jobs=report_jobs(),
        queue=report_queue(),
        files=report_files(),
        owners=report_owners(),
        clock=system_clock(),
        queries=queries,
    )
