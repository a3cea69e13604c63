"""Every report kind's SQL, as the report worker builds it, runs on the local engine (DuckDB
over the Parquet partitions in the emulator's bucket) and counts what the events say: the
daily summary's sends, bounces, human opens and unique opens per day equal a count made
here in Python from the same events, warm-up mail left out, the other tenant never in."""

from __future__ import annotations

from collections import Counter

import boto3
import pytest

from chalicelib.analytics import olap
from chalicelib.analytics.queries import DuckDbQueries
from chalicelib.analytics.reports import KINDS, ReportFilters, build_sql
from chalicelib.core import ids
from infrastructure.local.olap_files import write_rows
from tests.functional.analytics.test_olap_queries import DAYS, _events


@pytest.fixture
def world(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    tenant, other = ids.new_id("ten"), ids.new_id("ten")
    events = _events(tenant)
    write_rows(s3, aws["DataBucket"], [olap.row(e) for e in events + _events(other)], "t-rpt")
    return DuckDbQueries(s3, aws["DataBucket"]), tenant, events


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_runs_on_the_local_engine(world, kind):
    engine, tenant, _ = world
    result = engine.run(build_sql(kind, tenant, ReportFilters(first=DAYS[0], last=DAYS[-1])))
    assert result.columns == list(KINDS[kind].columns)
    assert result.rows and result.bytes_scanned > 0


def test_the_daily_summary_counts_what_the_events_say(world):
    engine, tenant, events = world
    # given the events' own count, warm-up mail left out
    counted = [e for e in events if "warmup" not in (e.get("tags") or [])]
    expected: dict[str, Counter[str]] = {day: Counter() for day in DAYS}
    for event in counted:
        day, kind = event["occurred_at"][:10], event["type"]
        expected[day][kind] += 1
    # when the report's SQL runs
    sql = build_sql("daily_summary", tenant, ReportFilters(first=DAYS[0], last=DAYS[-1]))
    result = engine.run(sql)
    # then each day's figures are the events'
    rows = {row[0]: dict(zip(result.columns, row, strict=True)) for row in result.rows}
    assert sorted(rows) == list(DAYS)
    for day in DAYS:
        got = rows[day]
        assert got["sent"] == expected[day]["message.sent"] > 0
        assert got["bounced"] == expected[day]["message.bounced"]
        assert got["delivered"] == got["sent"] - got["bounced"]
        assert got["opens_human"] == expected[day]["message.opened"] == got["unique_opens"]
