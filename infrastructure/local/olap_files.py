"""OLAP rows → Parquet files in the partition layout Firehose writes on AWS
(``analytics/events/tenant_id=<t>/day=<d>/<name>.parquet``), for the local Firehose pump,
the tests and the benches. DuckDB writes the files; the columns and their types are
``olap.COLUMNS`` (the partition columns live in the path, not in the file)."""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.analytics import olap

PARQUET_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "int": "INTEGER",
    "array<string>": "VARCHAR[]",
}


def by_partition(
    rows: Iterable[Mapping[str, Any]],
) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    """Rows grouped by ``(tenant_id, day)``, in the order they came."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["tenant_id"], row["day"])].append(row)
    return dict(groups)


def parquet_bytes(rows: list[Mapping[str, Any]]) -> bytes:
    """One Parquet file holding ``rows`` (their data columns, typed as the Glue table)."""
    import duckdb

    columns = olap.data_columns()
    with tempfile.TemporaryDirectory(prefix="olap-write-") as folder:
        source, target = os.path.join(folder, "rows.ndjson"), os.path.join(folder, "rows.parquet")
        with open(source, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({name: row.get(name) for name, _ in columns}) + "\n")
        types = ", ".join(f"'{name}': '{PARQUET_TYPES[kind]}'" for name, kind in columns)
        connection = duckdb.connect(":memory:")
        try:
            connection.execute(
                f"COPY (SELECT * FROM read_json('{source}', format = 'newline_delimited', "
                f"columns = {{{types}}})) TO '{target}' (FORMAT parquet)"
            )
        finally:
            connection.close()
        with open(target, "rb") as written:
            return written.read()


def write_rows(
    s3: Any, bucket: str, rows: Iterable[Mapping[str, Any]], name: str
) -> dict[str, int]:
    """One Parquet file per partition of ``rows``, named ``<name>.parquet`` in it (the same
    name again overwrites it); the keys written and their sizes."""
    written = {}
    for (tenant_id, day), group in sorted(by_partition(rows).items()):
        body = parquet_bytes(group)
        key = f"{olap.partition_prefix(tenant_id, day)}{name}.parquet"
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        written[key] = len(body)
    return written
