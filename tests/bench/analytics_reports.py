"""Analytics reports on a local OLAP dataset: for every report kind, proof from the SQL
itself that it prunes to one tenant's partitions and the asked days (``predicates``), the
partitions and bytes a 30-day single-tenant report reads against the whole dataset, and
what it would cost on Athena at list price ($5 per TB scanned, 10 MB minimum per query).

The dataset (default 1,000,000 events, 5 tenants x 60 days) is written by DuckDB straight
to a temporary directory as Parquet in the Firehose layout (``tenant_id=<t>/day=<d>/``).
Bytes are the sizes of the partition files the predicates select (Athena reads only the
columns a query needs, so this is an upper bound). Each statement is then run by DuckDB
over exactly those files (translated from Athena SQL by sqlglot), as the local adapter does.

Run: ``python -m tests.bench.analytics_reports [--events N] [--tenants N] [--days N]``
(``make bench`` runs every bench module). Prints only; never asserts on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIRST_DAY = dt.date(2026, 1, 1)
REPORT_DAYS = 30
TYPES = (  # (share in percent, event type): a campaign's mix of events
    (40, "message.sent"),
    (55, "message.delivered"),
    (75, "message.opened"),
    (83, "message.clicked"),
    (88, "message.bounced"),
    (92, "message.deferred"),
    (96, "message.replied"),
    (97, "message.complained"),
    (98, "message.unsubscribed"),
)


def tenant_id(index: int) -> str:
    return "ten_bench" + "a" * 10 + "abcdefghijklmnopqrstuvwxyz234567"[index % 32]


def _type_case() -> str:
    whens = " ".join(f"WHEN h % 100 < {share} THEN '{name}'" for share, name in TYPES)
    return f"CASE {whens} ELSE 'message.queued' END"


def generate(root: Path, events: int, tenants: int, days: int) -> Path:
    """Parquet files under ``root/analytics/events/tenant_id=…/day=…/``; the events root."""
    import duckdb

    out = root / "analytics" / "events"
    out.parent.mkdir(parents=True, exist_ok=True)
    tenant_list = ", ".join(f"'{tenant_id(i)}'" for i in range(tenants))
    sql = f"""
    COPY (
      WITH g AS (SELECT i, CAST(hash(i) >> 1 AS BIGINT) AS h FROM range({events}) t(i))
      SELECT
        'evt_' || i AS event_id,
        {_type_case()} AS type,
        TIMESTAMP '{FIRST_DAY} 00:00:00' + to_days(CAST(i % {days} AS INTEGER))
          + to_seconds(CAST((h // 100) % 86400 AS BIGINT)) AS occurred_at,
        [{tenant_list}][1 + (i // {days}) % {tenants}] AS tenant_id,
        strftime(DATE '{FIRST_DAY}' + CAST(i % {days} AS INTEGER), '%Y-%m-%d') AS day,
        'msg_' || (i // 3) AS message_id,
        'mbx_' || ((h >> 8) % 20) AS mailbox_id,
        'dom_' || ((h >> 8) % 4) AS domain_id,
        'cmp_' || ((h >> 12) % 6) AS campaign_id,
        CAST(1 + (h >> 16) % 3 AS INTEGER) AS step,
        ['a', 'b'][1 + (h >> 18) % 2] AS variant,
        'ctc_' || ((h >> 20) % 50000) AS contact_id,
        ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'example.org', 'corp.test']
          [1 + (h >> 24) % 6] AS recipient_domain,
        CASE WHEN (h >> 28) % 4 = 0 THEN 'machine' ELSE 'human' END AS actor,
        CASE WHEN h % 100 BETWEEN 83 AND 87
          THEN [550, 551, 552, 553, 421][1 + (h >> 30) % 5] END::INTEGER AS smtp_code,
        CASE WHEN (h >> 32) % 10 = 0 THEN ['warmup']
             WHEN (h >> 32) % 10 = 1 THEN NULL ELSE ['campaign'] END AS tags
      FROM g
    ) TO '{out}' (FORMAT PARQUET, PARTITION_BY (tenant_id, day), OVERWRITE_OR_IGNORE)
    """
    duckdb.sql(sql)
    return out


@dataclass(frozen=True)
class Scan:
    files: list[Path]
    partitions: int
    bytes: int


def partitions(events_root: Path) -> dict[tuple[str, str], list[Path]]:
    found: dict[tuple[str, str], list[Path]] = {}
    for path in events_root.glob("tenant_id=*/day=*/*.parquet"):
        tenant = path.parent.parent.name.split("=", 1)[1]
        day = path.parent.name.split("=", 1)[1]
        found.setdefault((tenant, day), []).append(path)
    return found


def selected(layout: dict[tuple[str, str], list[Path]], sql: str | None) -> Scan:
    """The partition files a statement's predicates select (all of them for None)."""
    from chalicelib.analytics.reports import predicates

    keep = lambda key: True  # noqa: E731 - the whole dataset
    if sql is not None:
        tenants, first, last = predicates(sql)
        keep = lambda key: key[0] in tenants and first <= key[1] <= last  # noqa: E731
    chosen = [key for key in layout if keep(key)]
    files = [f for key in chosen for f in layout[key]]
    return Scan(files, len(chosen), sum(f.stat().st_size for f in files))


def run_duckdb(sql: str, files: list[Path]) -> list[tuple[Any, ...]]:
    """The Athena statement translated by sqlglot and run by DuckDB over ``files``."""
    import duckdb
    import sqlglot

    local = sqlglot.transpile(sql, read="athena", write="duckdb")[0]
    db = duckdb.connect()
    listed = ", ".join(f"'{f}'" for f in files)
    db.sql(f"CREATE VIEW events AS SELECT * FROM read_parquet([{listed}], hive_partitioning=true)")
    return db.sql(local).fetchall()


def report_sql(kind: str, tenant: str, days: int = REPORT_DAYS) -> str:
    from chalicelib.analytics.reports import build_sql, parse_filters

    last = FIRST_DAY + dt.timedelta(days=days - 1)
    filters = parse_filters({"from": FIRST_DAY.isoformat(), "to": last.isoformat()})
    return build_sql(kind, tenant, filters)


def _mb(n: int) -> str:
    return f"{n / 1024**2:,.2f} MB"


def measure(events: int, tenants: int, days: int, root: Path) -> list[dict[str, Any]]:
    from chalicelib.analytics.reports import KINDS, predicates
    from chalicelib.analytics.reports.jobs import cost_usd

    started = time.perf_counter()
    layout = partitions(generate(root, events, tenants, days))
    whole = selected(layout, None)
    print(
        f"dataset: {events:,} events, {tenants} tenants x {days} days, {whole.partitions} "
        f"partitions, {_mb(whole.bytes)} of Parquet (written in "
        f"{time.perf_counter() - started:.1f} s)"
    )
    print(f"a typical report: tenant {tenant_id(0)}, {REPORT_DAYS} days from {FIRST_DAY}")
    found = []
    for kind in KINDS:
        sql = report_sql(kind, tenant_id(0), min(REPORT_DAYS, days))
        scan = selected(layout, sql)
        began = time.perf_counter()
        rows = run_duckdb(sql, scan.files)
        took = time.perf_counter() - began
        tenants_seen, first, last = predicates(sql)
        found.append({"kind": kind, "sql": sql, "scan": scan, "rows": rows, "whole": whole})
        print(f"\n-- {kind}")
        print(f"   predicates: tenant_id in {sorted(tenants_seen)}, day {first} .. {last}")
        print(
            f"   reads {scan.partitions} of {whole.partitions} partitions, {_mb(scan.bytes)} "
            f"of {_mb(whole.bytes)} ({100 * scan.bytes / max(whole.bytes, 1):.1f} %)"
        )
        print(
            f"   Athena at list price: ${cost_usd(scan.bytes):.6f} (whole dataset unpruned: "
            f"${cost_usd(whole.bytes):.6f})"
        )
        print(f"   DuckDB over those files: {len(rows)} rows in {took * 1000:.0f} ms")
    return found


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.analytics_reports")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--runs", type=int, default=1, help="accepted for make bench; unused")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        measure(args.events, args.tenants, args.days, Path(tmp))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
