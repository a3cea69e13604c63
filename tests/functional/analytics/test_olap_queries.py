"""One Athena SQL text, two engines, the same typed rows: events → ``olap.row`` → Parquet in
the partition layout (moto's bucket) → ``DuckDbQueries``; and ``AthenaQueries`` over a
botocore Stubber answering in Athena's GetQueryResults shape with what the same events give
(computed here in Python, apart from either engine). DuckDB reads only the partitions the
tenant and day predicates admit; neither engine runs a query without the tenant predicate."""

from __future__ import annotations

from collections import defaultdict

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.analytics import olap
from chalicelib.analytics.pruning import MissingTenantPredicate
from chalicelib.analytics.queries import AthenaQueries, DuckDbQueries, QueryFailed
from chalicelib.core import ids
from chalicelib.core.events import new_event
from infrastructure.local.olap_files import write_rows

DAYS = ("2026-11-01", "2026-11-02", "2026-11-03")
SQL = """
SELECT day, type, count(*) AS events, count(DISTINCT message_id) AS messages,
       sum(CASE WHEN smtp_code >= 500 THEN 1 ELSE 0 END) AS hard,
       avg(step) AS mean_step, date(occurred_at) AS on_date,
       bool_or(contains(tags, 'warmup')) AS warmup, max(recipient_domain) AS domain
FROM penguinmails_local_analytics.events
WHERE tenant_id = '{tenant}' AND day BETWEEN '{first}' AND '{last}'
GROUP BY day, type, date(occurred_at)
ORDER BY day, type
"""
TYPES = ["varchar", "varchar", "bigint", "bigint", "bigint", "double", "date", "boolean", "varchar"]


def _events(tenant_id: str) -> list[dict]:
    found = []
    for n, day in enumerate(DAYS):
        for i in range(3):
            message = f"msg_{day}_{i}"
            common = {"message_id": message, "mailbox_id": "mbx_1", "to": f"p{i}@Gmail.com"}
            step = {"campaign_id": "cmp_1", "step": i + 1} if i else {}
            found.append(
                new_event(
                    "message.sent",
                    tenant_id,
                    f"{day}T0{i}:00:00.000Z",
                    attempt=1,
                    smtp_code=250,
                    tags=["warmup"] if i == 2 and n == 1 else [],
                    **common,
                    **step,
                )
            )
        found.append(
            new_event(
                "message.bounced",
                tenant_id,
                f"{day}T09:30:00.250Z",
                smtp_code=550,
                message_id=f"msg_{day}_0",
                mailbox_id="mbx_1",
                to="p0@yahoo.com",
            )
        )
        found.append(
            new_event(
                "message.opened",
                tenant_id,
                f"{day}T10:00:00.000Z",
                message_id=f"msg_{day}_1",
                actor="human",
                reason="",
                user_agent="ua",
                ip="1.2.3.4",
                method="GET",
            )
        )
    return found


def _expected(rows: list[dict], tenant_id: str, first: str, last: str) -> list[list]:
    """What the SQL must answer, computed from the rows by hand."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        if row["tenant_id"] == tenant_id and first <= row["day"] <= last:
            groups[(row["day"], row["type"])].append(row)
    answer = []
    for (day, kind), group in sorted(groups.items()):
        steps = [r["step"] for r in group if r["step"] is not None]
        domains = [r["recipient_domain"] for r in group if r["recipient_domain"]]
        answer.append(
            [
                day,
                kind,
                len(group),
                len({r["message_id"] for r in group if r["message_id"]}),
                sum(1 for r in group if (r["smtp_code"] or 0) >= 500),
                sum(steps) / len(steps) if steps else None,
                day,
                any("warmup" in r["tags"] for r in group),
                max(domains) if domains else None,
            ]
        )
    return answer


def _athena_pages(columns: list[str], rows: list[list]) -> list[dict]:
    """The rows as Athena's GetQueryResults gives them: text cells, a header row first, two
    pages."""

    def text(value):
        if value is None:
            return {}
        if isinstance(value, bool):
            return {"VarCharValue": str(value).lower()}
        return {"VarCharValue": str(value)}

    info = [
        {"Name": name, "Label": name, "Type": kind, "Nullable": "UNKNOWN"}
        for name, kind in zip(columns, TYPES, strict=True)
    ]
    header = {"Data": [{"VarCharValue": name} for name in columns]}
    cells = [{"Data": [text(v) for v in row]} for row in rows]
    meta = {"ColumnInfo": info}
    return [
        {"ResultSet": {"Rows": [header, *cells[:2]], "ResultSetMetadata": meta}, "NextToken": "p2"},
        {"ResultSet": {"Rows": cells[2:], "ResultSetMetadata": meta}},
    ]


@pytest.fixture
def world(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    tenant, other = ids.new_id("ten"), ids.new_id("ten")
    rows = [olap.row(e) for e in _events(tenant) + _events(other)]
    written = write_rows(s3, aws["DataBucket"], rows, f"test-{ids.new_id('f')}")
    return {
        "s3": s3,
        "bucket": aws["DataBucket"],
        "tenant": tenant,
        "other": other,
        "rows": rows,
        "written": written,
    }


def _athena(sql: str, columns: list[str], rows: list[list], scanned: int):
    client = boto3.client("athena", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {"QueryString": sql, "WorkGroup": "wg", "QueryExecutionContext": {"Database": "db"}},
    )
    for state in ("QUEUED", "RUNNING", "SUCCEEDED"):
        stub.add_response(
            "get_query_execution",
            {
                "QueryExecution": {
                    "QueryExecutionId": "q-1",
                    "Status": {"State": state},
                    "Statistics": {"DataScannedInBytes": scanned},
                }
            },
            {"QueryExecutionId": "q-1"},
        )
    pages = _athena_pages(columns, rows)
    stub.add_response(
        "get_query_results", pages[0], {"QueryExecutionId": "q-1", "MaxResults": 1000}
    )
    stub.add_response(
        "get_query_results",
        pages[1],
        {"QueryExecutionId": "q-1", "MaxResults": 1000, "NextToken": "p2"},
    )
    waits: list[float] = []
    return AthenaQueries(client, "wg", "db", sleep=waits.append), stub, waits


def test_duckdb_and_athena_give_the_same_typed_rows_for_the_same_sql(world):
    sql = SQL.format(tenant=world["tenant"], first=DAYS[0], last=DAYS[1])
    local = DuckDbQueries(world["s3"], world["bucket"]).run(sql)
    expected = _expected(world["rows"], world["tenant"], DAYS[0], DAYS[1])
    assert local.rows == expected
    assert any(row[7] for row in expected) and any(row[5] is None for row in expected)

    athena, stub, waits = _athena(sql, local.columns, expected, 1234)
    with stub:
        remote = athena.run(sql)
    stub.assert_no_pending_responses()
    assert (
        remote.columns
        == local.columns
        == ["day", "type", "events", "messages", "hard", "mean_step", "on_date", "warmup", "domain"]
    )
    assert remote.rows == local.rows
    assert remote.bytes_scanned == 1234
    assert len(waits) == 2  # two polls found it unfinished


def test_duckdb_reads_only_the_partitions_the_predicates_admit(world):
    engine = DuckDbQueries(world["s3"], world["bucket"])
    tenant = world["tenant"]

    def size(days):
        return sum(
            n
            for key, n in world["written"].items()
            if any(key.startswith(olap.partition_prefix(tenant, d)) for d in days)
        )

    wide = engine.run(SQL.format(tenant=tenant, first=DAYS[0], last=DAYS[2]))
    narrow = engine.run(SQL.format(tenant=tenant, first=DAYS[1], last=DAYS[1]))
    assert wide.bytes_scanned == size(DAYS)
    assert narrow.bytes_scanned == size(DAYS[1:2]) < wide.bytes_scanned
    assert {row[0] for row in narrow.rows} == {DAYS[1]}
    one_day = engine.run(
        f"SELECT count(*) AS n FROM events WHERE tenant_id = '{tenant}' AND day = '{DAYS[2]}'"
    )
    assert one_day.rows == [[5]] and one_day.bytes_scanned == size(DAYS[2:])
    nothing = engine.run(
        f"SELECT count(*) AS n FROM events WHERE tenant_id = '{tenant}' AND day > '{DAYS[2]}'"
    )
    assert nothing.rows == [[0]] and nothing.bytes_scanned == 0


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM events WHERE day = '2026-11-01'",
        "SELECT count(*) FROM events WHERE tenant_id = 'ten_a' OR day = '2026-11-01'",
        "SELECT count(*) FROM db.events e JOIN db.events f ON e.message_id = f.message_id "
        "WHERE e.tenant_id = 'ten_a'",
        "SELECT 1",
    ],
)
def test_no_engine_runs_a_query_without_the_tenant_predicate(world, sql):
    with pytest.raises(MissingTenantPredicate):
        DuckDbQueries(world["s3"], world["bucket"]).run(sql)
    client = boto3.client("athena", region_name="us-east-1")
    with Stubber(client), pytest.raises(MissingTenantPredicate):  # any call would fail it
        AthenaQueries(client, "wg", "db", sleep=lambda _: None).run(sql)


def _execution(state: str, reason: str = "") -> dict:
    status = {"State": state, **({"StateChangeReason": reason} if reason else {})}
    return {"QueryExecution": {"QueryExecutionId": "q-1", "Status": status}}


def test_a_failed_athena_query_raises_with_its_reason():
    client = boto3.client("athena", region_name="us-east-1")
    sql = "SELECT count(*) FROM events WHERE tenant_id = 'a'"
    with Stubber(client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
        stub.add_response("get_query_execution", _execution("FAILED", "bytes scanned limit"))
        with pytest.raises(QueryFailed, match="FAILED: bytes scanned limit"):
            AthenaQueries(client, "wg", "db", sleep=lambda _: None).run(sql)


def test_an_athena_query_that_outruns_its_waits_is_stopped():
    client = boto3.client("athena", region_name="us-east-1")
    sql = "SELECT count(*) FROM events WHERE tenant_id = 'a'"
    athena = AthenaQueries(client, "wg", "db", sleep=lambda _: None)
    athena.max_wait = 1.0  # 0.25 + 0.5 + 1.0 of (pretended) waiting
    with Stubber(client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
        for _ in range(4):
            stub.add_response("get_query_execution", _execution("RUNNING"))
        stub.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-1"})
        with pytest.raises(QueryFailed, match="still running"):
            athena.run(sql)
        stub.assert_no_pending_responses()
