"""The two engines behind ``AnalyticsQueries``: one Athena SQL text, the same typed rows.

``AthenaQueries`` (AWS) starts the query in the work group, polls it with bounded waits and
reads the paginated results, typed by Athena's column metadata. ``DuckDbQueries`` (the local
platform) reads only the Parquet files of the partitions the SQL's tenant and day predicates
admit, downloaded from the emulator's bucket, translates the SQL with sqlglot (Athena →
DuckDB) and runs it in an in-memory DuckDB. Both refuse a query whose read of the events
table does not pin the tenant (``pruning``). duckdb and sqlglot are imported when a query
runs, never at import (cold starts).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.analytics import pruning
from chalicelib.analytics.olap import COLUMNS, PREFIX
from chalicelib.analytics.ports import QueryResult

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_INTEGERS = {"tinyint", "smallint", "integer", "int", "bigint"}
_FLOATS = {"double", "float", "real", "decimal"}
_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "int": "INTEGER",
    "array<string>": "VARCHAR[]",
}


class QueryFailed(RuntimeError):
    """Athena answered FAILED or CANCELLED, or the query outran its wait."""


class AthenaQueries:
    """Athena in ``workgroup`` (which enforces the result location and the bytes-scanned
    cutoff) over ``database``. ``sleep`` is injectable so tests never wait."""

    first_wait = 0.25  # seconds before the first poll; doubles up to ``longest_wait``
    longest_wait = 2.0
    max_wait = 300.0  # total seconds of waiting before the query is stopped

    def __init__(
        self,
        client: Any,
        workgroup: str,
        database: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client, self.workgroup, self.database, self.sleep = client, workgroup, database, sleep

    def run(self, sql: str) -> QueryResult:
        pruning.scans(pruning.parse(sql))  # refuses a read of events without its tenant
        started = self.client.start_query_execution(
            QueryString=sql,
            WorkGroup=self.workgroup,
            QueryExecutionContext={"Database": self.database},
        )
        query_id = started["QueryExecutionId"]
        execution = self._wait(query_id)
        columns, rows = self._results(query_id)
        scanned = int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
        return QueryResult(columns, rows, scanned)

    def _wait(self, query_id: str) -> dict[str, Any]:
        wait, waited = self.first_wait, 0.0
        while True:
            execution: dict[str, Any] = self.client.get_query_execution(QueryExecutionId=query_id)[
                "QueryExecution"
            ]
            status = execution["Status"]
            if status["State"] == "SUCCEEDED":
                return execution
            if status["State"] in ("FAILED", "CANCELLED"):
                reason = status.get("StateChangeReason") or status.get("AthenaError", {})
                raise QueryFailed(f"Athena query {query_id} {status['State']}: {reason}")
            if waited >= self.max_wait:
                self.client.stop_query_execution(QueryExecutionId=query_id)
                raise QueryFailed(f"Athena query {query_id} still running after {waited:g} s")
            self.sleep(wait)
            waited += wait
            wait = min(wait * 2, self.longest_wait)

    def _results(self, query_id: str) -> tuple[list[str], list[list[Any]]]:
        columns: list[str] = []
        rows: list[list[Any]] = []
        for number, page in enumerate(self._pages(query_id)):
            info = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
            columns = [c["Name"] for c in info]
            kinds = [c["Type"] for c in info]
            found = page["ResultSet"].get("Rows", [])
            for raw in found[1:] if number == 0 else found:  # the first row is the header
                cells = [cell.get("VarCharValue") for cell in raw["Data"]]
                rows.append([athena_value(v, k) for v, k in zip(cells, kinds, strict=True)])
        return columns, rows

    def _pages(self, query_id: str) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            extra = {"NextToken": token} if token else {}
            page: dict[str, Any] = self.client.get_query_results(
                QueryExecutionId=query_id, MaxResults=1000, **extra
            )
            yield page
            token = page.get("NextToken")
            if not token:
                return


def athena_value(text: str | None, kind: str) -> Any:
    """An Athena result cell (text) typed by its column type."""
    if text is None:
        return None
    base = kind.lower().split("(")[0].strip()
    if base in _INTEGERS:
        return int(text)
    if base in _FLOATS:
        return float(text)
    if base == "boolean":
        return text.lower() == "true"
    return text


class DuckDbQueries:
    """The local engine: the partitions the SQL admits, from ``bucket`` under ``prefix``
    (``tenant_id=<t>/day=<d>/*.parquet``), in an in-memory DuckDB."""

    def __init__(self, s3_client: Any, bucket: str, prefix: str = PREFIX) -> None:
        self.s3, self.bucket, self.prefix = s3_client, bucket, prefix

    def run(self, sql: str) -> QueryResult:
        import duckdb

        tree = pruning.parse(sql)
        scans = pruning.scans(tree)
        with tempfile.TemporaryDirectory(prefix="olap-") as folder:
            connection = duckdb.connect(":memory:")
            try:
                scanned = self._bind(connection, scans, folder)
                cursor = connection.execute(tree.sql(dialect="duckdb"))
                columns = [d[0] for d in cursor.description or []]
                rows = [[plain(v) for v in row] for row in cursor.fetchall()]
            finally:
                connection.close()
        return QueryResult(columns, rows, scanned)

    def _bind(self, connection: Any, scans: list[pruning.Scan], folder: str) -> int:
        """Each read of events becomes a view over its own files; the bytes read."""
        from sqlglot import exp

        fetched: dict[str, tuple[str, int]] = {}
        for number, scan in enumerate(scans):
            keys = self._keys(scan)
            for key, size in keys:
                if key not in fetched:
                    fetched[key] = (self._download(key, folder), size)
            view = f"olap_events_{number}"
            connection.execute(view_sql(view, [fetched[key][0] for key, _ in keys]))
            alias = scan.table.args.get("alias") or exp.TableAlias(
                this=exp.to_identifier(scan.table.name)
            )
            scan.table.replace(exp.Table(this=exp.to_identifier(view), alias=alias))
        return sum(size for _, size in fetched.values())

    def _keys(self, scan: pruning.Scan) -> list[tuple[str, int]]:
        """The Parquet keys (and sizes) of the scan's tenants and admitted days."""
        found = []
        for tenant in sorted(scan.tenants):
            root = f"{self.prefix}tenant_id={tenant}/day="
            lowest, highest = scan.days.lowest(), scan.days.highest()
            for key, size in self._list(root, f"{root}{lowest}" if lowest else None):
                day = key[len(root) :].split("/", 1)[0]
                if highest is not None and day > highest:
                    break
                if scan.days.admits(day) and key.endswith(".parquet"):
                    found.append((key, size))
        return found

    def _list(self, prefix: str, start: str | None) -> Iterator[tuple[str, int]]:
        """Keys under ``prefix`` in order, from ``start`` (a day's partition) on."""
        token: str | None = None
        while True:
            extra: dict[str, str] = {"ContinuationToken": token} if token else {}
            if start and not token:
                extra["StartAfter"] = start  # keys after it: that day's files and later
            page = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix, **extra)
            for item in page.get("Contents", []):
                yield item["Key"], int(item["Size"])
            token = page.get("NextContinuationToken")
            if not token:
                return

    def _download(self, key: str, folder: str) -> str:
        path = os.path.join(folder, key[len(self.prefix) :])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.s3.download_file(self.bucket, key, path)
        return path


def view_sql(view: str, paths: list[str]) -> str:
    """The DuckDB statement making ``view`` the events of ``paths`` (an empty table of the
    same columns when there are none): data columns first, then the partitions, as Athena."""
    if not paths:
        columns = ", ".join(f'"{name}" {_DUCKDB_TYPES[kind]}' for name, kind in _ordered())
        return f"CREATE TEMP TABLE {view} ({columns})"
    files = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return (
        f"CREATE TEMP VIEW {view} AS SELECT * FROM read_parquet([{files}], "
        "hive_partitioning = true, hive_types_autocast = false, union_by_name = true)"
    )


def _ordered() -> list[tuple[str, str]]:
    partitions = [c for c in COLUMNS if c[0] in ("tenant_id", "day")]
    return [c for c in COLUMNS if c not in partitions] + partitions


def plain(value: Any) -> Any:
    """A DuckDB value as Athena's typed answer gives it: numbers, text, booleans, None;
    dates ``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS.fff``, arrays ``[a, b]``."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(plain(v)) for v in value) + "]"
    return str(value)
