"""Import and export jobs in DynamoDB (``ImportsTable``), written with the low-level client
so every change after the first is one conditional write.

Key formats owned here: ``tenant_id`` + ``imp_…`` (an import), ``tenant_id`` + ``exp_…``
(an export). An import's counters are numbers moved with ADD; ``done_chunks`` is the number
set of the chunks counted, and a chunk is counted by one UpdateItem that adds its tally and
its number on condition that the set does not hold it yet, so a redelivered chunk counts
once. Listing imports is one Query on the ``imp_`` prefix, newest first."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws.dynamodb import Table, TableRef
from chalicelib.core.pagination import Page, decode_token, encode_token
from chalicelib.imports.rules.jobs import ImportJob
from chalicelib.imports.rules.rows import REASONS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.imports.rules.jobs import Tally

JOBS = TableRef("ImportsTable", __name__)
_COUNTERS = (
    "rows_total",
    "rows_done",
    "created",
    "updated",
    "unchanged",
    "chunks_total",
    "chunks_done",
)
_NAMES = {
    "#s": "status",
    "#h": "header",
    "#c": "columns",
    "#i": "ignored",
    "#n": "notes",
    "#e": "error",
}


def _key(tenant_id: str, sk: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": sk}}


def _names(expression: str) -> dict[str, str]:
    """The placeholders an expression uses (DynamoDB refuses unused ones)."""
    return {k: v for k, v in _NAMES.items() if k in expression}


def _refused(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _n(item: Mapping[str, Any], name: str) -> int:
    return int(item.get(name, {}).get("N", "0"))


def _s(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return str(value) if value is not None else None


def _json(item: Mapping[str, Any], name: str, empty: Any) -> Any:
    text = _s(item, name)
    return json.loads(text) if text else empty


def _import(item: Mapping[str, Any]) -> ImportJob:
    return ImportJob(
        tenant_id=item["tenant_id"]["S"],
        import_id=item["sk"]["S"],
        status=item["status"]["S"],
        created_at=item["created_at"]["S"],
        updated_at=item["updated_at"]["S"],
        filename=_s(item, "filename"),
        list_id=_s(item, "list_id"),
        mapping=_json(item, "mapping", {}),
        rows_total=_n(item, "rows_total"),
        rows_done=_n(item, "rows_done"),
        created=_n(item, "created"),
        updated=_n(item, "updated"),
        unchanged=_n(item, "unchanged"),
        rejected={r: _n(item, f"r_{r}") for r in REASONS if _n(item, f"r_{r}")},
        chunks_total=_n(item, "chunks_total"),
        chunks_done=_n(item, "chunks_done"),
        parsed=bool(item.get("parsed", {}).get("BOOL", False)),
        header=tuple(_json(item, "header", [])),
        columns=_json(item, "columns", {}),
        ignored_columns=tuple(_json(item, "ignored", [])),
        notes=tuple(_json(item, "notes", [])),
        error=_json(item, "error", None),
        report_key=_s(item, "report_key"),
        started_at=_s(item, "started_at"),
        completed_at=_s(item, "completed_at"),
    )


class DynamoImportJobs:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def create(self, job: ImportJob) -> None:
        item: dict[str, Any] = {
            **_key(job.tenant_id, job.import_id),
            "status": {"S": job.status},
            "created_at": {"S": job.created_at},
            "updated_at": {"S": job.updated_at},
            "mapping": {"S": json.dumps(job.mapping)},
            "parsed": {"BOOL": False},
            **{name: {"N": "0"} for name in _COUNTERS},
        }
        for name in ("filename", "list_id"):
            if getattr(job, name):
                item[name] = {"S": getattr(job, name)}
        self._client.put_item(
            TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(sk)"
        )

    def get(self, tenant_id: str, import_id: str) -> ImportJob | None:
        found = self._get(tenant_id, import_id)
        return _import(found) if found else None

    def _get(self, tenant_id: str, sk: str) -> dict[str, Any] | None:
        reply = self._client.get_item(
            TableName=self._table, Key=_key(tenant_id, sk), ConsistentRead=True
        )
        return reply.get("Item")

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[ImportJob]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}, ":p": {"S": "imp_"}},
            "ScanIndexForward": False,
            "Limit": limit + 1,
            "ConsistentRead": True,
        }
        start = decode_token(token, {"sk"})
        if start:
            request["ExclusiveStartKey"] = _key(tenant_id, start["sk"])
        items = self._client.query(**request).get("Items", [])
        more = len(items) > limit
        items = items[:limit]
        next_token = encode_token({"sk": items[-1]["sk"]["S"]}) if more else None
        return Page([_import(i) for i in items], next_token)

    def _update(
        self, tenant_id: str, sk: str, expression: str, condition: str, values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The item after a conditional update; None when the condition refused it."""
        try:
            reply = self._client.update_item(
                TableName=self._table,
                Key=_key(tenant_id, sk),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=_names(expression + condition),
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _refused(error):
                return None
            raise
        return reply.get("Attributes")

    def start(self, tenant_id: str, import_id: str, at: str) -> bool:
        values = {":run": {"S": "running"}, ":pending": {"S": "pending"}, ":at": {"S": at}}
        expression = "SET #s = :run, started_at = :at, updated_at = :at"
        done = self._update(tenant_id, import_id, expression, "#s = :pending", values)
        return done is not None

    def unstart(self, tenant_id: str, import_id: str, at: str) -> None:
        values = {
            ":run": {"S": "running"},
            ":pending": {"S": "pending"},
            ":at": {"S": at},
            ":no": {"BOOL": False},
        }
        expression = "SET #s = :pending, updated_at = :at REMOVE started_at"
        self._update(tenant_id, import_id, expression, "#s = :run AND parsed = :no", values)

    def parsed(
        self, job: ImportJob, rows: int, chunks: int, at: str, **shown: Any
    ) -> ImportJob | None:
        values = {
            ":run": {"S": "running"},
            ":no": {"BOOL": False},
            ":yes": {"BOOL": True},
            ":rows": {"N": str(rows)},
            ":chunks": {"N": str(chunks)},
            ":at": {"S": at},
            ":header": {"S": json.dumps(list(shown.get("header", ())))},
            ":columns": {"S": json.dumps(dict(shown.get("columns", {})))},
            ":ignored": {"S": json.dumps(list(shown.get("ignored_columns", ())))},
            ":notes": {"S": json.dumps(list(shown.get("notes", ())))},
        }
        expression = (
            "SET parsed = :yes, rows_total = :rows, chunks_total = :chunks, updated_at = :at, "
            "#h = :header, #c = :columns, #i = :ignored, #n = :notes"
        )
        condition = "#s = :run AND parsed = :no"
        after = self._update(job.tenant_id, job.import_id, expression, condition, values)
        return _import(after) if after else None

    def count_chunk(
        self, tenant_id: str, import_id: str, chunk: int, tally: Tally, at: str
    ) -> ImportJob | None:
        rejected = {r: n for r, n in tally.rejected.items() if r in REASONS and n}
        values: dict[str, Any] = {
            ":run": {"S": "running"},
            ":chunk": {"N": str(chunk)},
            ":chunks": {"NS": [str(chunk)]},
            ":one": {"N": "1"},
            ":rows": {"N": str(tally.rows)},
            ":created": {"N": str(tally.created)},
            ":updated": {"N": str(tally.updated)},
            ":unchanged": {"N": str(tally.unchanged)},
            ":at": {"S": at},
            **{f":r_{r}": {"N": str(n)} for r, n in rejected.items()},
        }
        adds = ", ".join(
            [
                "rows_done :rows",
                "created :created",
                "updated :updated",
                "unchanged :unchanged",
                "chunks_done :one",
                "done_chunks :chunks",
            ]
            + [f"r_{r} :r_{r}" for r in rejected]
        )
        condition = "#s = :run AND NOT contains(done_chunks, :chunk)"
        after = self._update(
            tenant_id, import_id, f"ADD {adds} SET updated_at = :at", condition, values
        )
        return _import(after) if after else None

    def finish(
        self,
        tenant_id: str,
        import_id: str,
        at: str,
        report: str | None,
        error: Mapping[str, str] | None = None,
    ) -> bool:
        status = "failed" if error else "completed"
        values: dict[str, Any] = {":run": {"S": "running"}, ":end": {"S": status}, ":at": {"S": at}}
        expression = "SET #s = :end, completed_at = :at, updated_at = :at"
        if report:
            values[":report"] = {"S": report}
            expression += ", report_key = :report"
        if error:
            values[":error"] = {"S": json.dumps(dict(error))}
            expression += ", #e = :error"
        return self._update(tenant_id, import_id, expression, "#s = :run", values) is not None
