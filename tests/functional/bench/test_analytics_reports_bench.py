"""The analytics reports bench's core on a tiny dataset, so it cannot rot: every kind's
statement selects only the first tenant's partitions of the asked days, reads less than the
whole dataset, and DuckDB over those files gives the numbers a direct count over every file
gives (warm-up left out). Figures only: nothing here is about time."""

from __future__ import annotations

import duckdb

from chalicelib.analytics.reports import KINDS
from tests.bench import analytics_reports as bench

EVENTS, TENANTS, DAYS = 3_000, 3, 10


def test_every_report_prunes_and_counts_what_is_there(tmp_path, capsys):
    # when
    found = bench.measure(EVENTS, TENANTS, DAYS, tmp_path)
    # then every kind was measured and printed with its predicates
    assert [f["kind"] for f in found] == list(KINDS)
    assert capsys.readouterr().out.count("predicates: tenant_id in ['" + bench.tenant_id(0)) == 5
    for report in found:
        scan, whole = report["scan"], report["whole"]
        assert scan.partitions == DAYS and whole.partitions == TENANTS * DAYS
        assert all(f"tenant_id={bench.tenant_id(0)}" in str(f) for f in scan.files)
        assert 0 < scan.bytes < whole.bytes
    # and the daily summary's sends are a direct count of the tenant's non-warm-up sends
    daily = next(f for f in found if f["kind"] == "daily_summary")
    every = ", ".join(f"'{f}'" for f in daily["whole"].files)
    (direct,) = duckdb.sql(
        f"SELECT count(*) FROM read_parquet([{every}], hive_partitioning=true) "
        f"WHERE tenant_id = '{bench.tenant_id(0)}' AND type = 'message.sent' "
        "AND NOT coalesce(list_contains(tags, 'warmup'), false)"
    ).fetchall()[0]
    assert direct > 0
    assert sum(row[1] for row in daily["rows"]) == direct
