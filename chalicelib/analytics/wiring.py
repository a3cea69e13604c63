"""Builds the analytics feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.analytics.ports import (
        AnalyticsQueries,
        AnalyticsReads,
        CounterStore,
        EngagementWrites,
        ProviderResolver,
        RecordOwners,
        ReportFiles,
        ReportJobs,
        ReportQueue,
    )
    from chalicelib.analytics.report_service import ReportPorts

MX_TIMEOUT_SECONDS = 1.0  # counting never waits long on a recipient's DNS


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
    """The OLAP tier's engine: DuckDB over the emulator bucket's Parquet files on the local
    stage (moto's Athena returns nothing), Athena in the stack's work group elsewhere."""
    from chalicelib.analytics.olap import PREFIX
    from chalicelib.analytics.queries import AthenaQueries, DuckDbQueries
    from chalicelib.aws import clients

    s = settings()
    if s.is_local:
        return DuckDbQueries(clients.s3(), s.bucket, PREFIX)
    return AthenaQueries(athena(), s.analytics_workgroup, s.analytics_database)


def athena() -> Any:
    """An Athena client from the process's session (no typed stubs are installed for it)."""
    from botocore.config import Config

    from chalicelib.aws import clients

    config = Config(connect_timeout=3, read_timeout=20, retries={"max_attempts": 3})
    return clients.session().client("athena", endpoint_url=settings().endpoint_url, config=config)


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


@provider("analytics.reads")
def reads() -> AnalyticsReads:
    """The analytics counters by scope and day, steps, heatmap and breakdown."""
    from chalicelib.analytics.reads_store import DynamoAnalyticsReads
    from chalicelib.analytics.store import COUNTERS

    return DynamoAnalyticsReads(COUNTERS.bind())


@provider("analytics.providers")
def providers() -> ProviderResolver:
    """Recipient providers by MX, over the platform's configured resolver."""
    from chalicelib.analytics.mx import MxProviderResolver

    s = settings()
    timeout = min(s.dns_timeout, MX_TIMEOUT_SECONDS)
    return MxProviderResolver(s.dns_nameserver or None, s.dns_port, timeout)


def tenant_overview(tenant_id: str) -> dict[str, Any]:
    """The tenant's counts and rates as ``GET /v1/analytics/overview`` answers them with no
    range asked (its default range: the last 30 days); the live updates push it."""
    from chalicelib.analytics.rules import ranges
    from chalicelib.analytics.service import dashboard
    from chalicelib.core.clock import system_clock

    span = ranges.parse_range({}, system_clock().now().date())
    return dashboard.overview(reads(), tenant_id, span)
