"""Report jobs in DynamoDB (``ReportsTable``: ``tenant_id`` + ``rpt_…``), their large
results' CSV files in the bucket, and the ``analytics-reports`` queue.

A job moves by conditional writes only: queued → running (a redelivered record may start a
running job again), queued or running → completed / failed. Rows that fit are kept in the
item as JSON (``rows``); larger results are a CSV file and the item keeps a preview.
Listing is one Query on the ``rpt_`` prefix, newest first."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.analytics.reports.filters import stored_filters
from chalicelib.analytics.reports.jobs import ID_PREFIX, ReportJob, ReportResult
from chalicelib.aws.dynamodb import Table, TableRef
from chalicelib.core.pagination import Page, decode_token, encode_token

if TYPE_CHECKING:
    from collections.abc import Mapping

JOBS = TableRef("ReportsTable", __name__)
_MISSING = ("NoSuchKey", "404", "NotFound")


def _key(tenant_id: str, report_id: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": report_id}}


def _s(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return str(value) if value is not None else None


def _result(item: Mapping[str, Any]) -> ReportResult | None:
    if "rows" not in item:
        return None
    return ReportResult(
        columns=json.loads(item["columns"]["S"]),
        rows=json.loads(item["rows"]["S"]),
        rows_total=int(item["rows_total"]["N"]),
        bytes_scanned=int(item["bytes_scanned"]["N"]),
        csv_key=_s(item, "csv_key"),
    )


def _job(item: Mapping[str, Any]) -> ReportJob:
    error = _s(item, "error")
    return ReportJob(
        tenant_id=item["tenant_id"]["S"],
        report_id=item["sk"]["S"],
        kind=item["kind"]["S"],
        filters=stored_filters(json.loads(item["filters"]["S"])),
        status=item["status"]["S"],
        created_at=item["created_at"]["S"],
        updated_at=item["updated_at"]["S"],
        started_at=_s(item, "started_at"),
        completed_at=_s(item, "completed_at"),
        result=_result(item),
        error=json.loads(error) if error else None,
    )


def _result_values(result: ReportResult) -> dict[str, Any]:
    values = {
        ":columns": {"S": json.dumps(result.columns)},
        ":rows": {"S": json.dumps(result.rows, default=str)},
        ":total": {"N": str(result.rows_total)},
        ":scanned": {"N": str(result.bytes_scanned)},
    }
    if result.csv_key:
        values[":csv"] = {"S": result.csv_key}
    return values


class DynamoReportJobs:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def create(self, job: ReportJob) -> None:
        item = {
            **_key(job.tenant_id, job.report_id),
            "kind": {"S": job.kind},
            "filters": {"S": json.dumps(job.filters.to_public())},
            "status": {"S": job.status},
            "created_at": {"S": job.created_at},
            "updated_at": {"S": job.updated_at},
        }
        self._client.put_item(
            TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(sk)"
        )

    def get(self, tenant_id: str, report_id: str) -> ReportJob | None:
        reply = self._client.get_item(
            TableName=self._table, Key=_key(tenant_id, report_id), ConsistentRead=True
        )
        item = reply.get("Item")
        return _job(item) if item else None

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[ReportJob]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}, ":p": {"S": ID_PREFIX + "_"}},
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
        return Page([_job(i) for i in items], next_token)

    def _update(
        self,
        tenant_id: str,
        report_id: str,
        expression: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> bool:
        """Whether the job moved (only a queued or running job moves)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(tenant_id, report_id),
                UpdateExpression=expression,
                ConditionExpression="#s IN (:queued, :running)",
                ExpressionAttributeNames={"#s": "status", **(names or {})},
                ExpressionAttributeValues={
                    ":queued": {"S": "queued"},
                    ":running": {"S": "running"},
                    **values,
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def start(self, tenant_id: str, report_id: str, at: str) -> bool:
        expression = "SET #s = :running, started_at = :at, updated_at = :at"
        return self._update(tenant_id, report_id, expression, {":at": {"S": at}})

    def finish(
        self,
        tenant_id: str,
        report_id: str,
        at: str,
        result: ReportResult | None,
        error: Mapping[str, str] | None = None,
    ) -> bool:
        status = "failed" if error or result is None else "completed"
        values: dict[str, Any] = {":end": {"S": status}, ":at": {"S": at}}
        expression = "SET #s = :end, completed_at = :at, updated_at = :at"
        names: dict[str, str] = {}
        if status == "completed" and result is not None:
            values |= _result_values(result)
            names = {"#c": "columns", "#r": "rows"}
            expression += ", #c = :columns, #r = :rows, rows_total = :total"
            expression += ", bytes_scanned = :scanned"
            expression += ", csv_key = :csv" if result.csv_key else ""
        else:
            values[":error"] = {"S": json.dumps(dict(error or {"code": "failed"}))}
            names = {"#e": "error"}
            expression += ", #e = :error"
        return self._update(tenant_id, report_id, expression, values, names)


class ReportSqsQueue:
    """One small JSON body per job; its group is its tenant (fair queues, as the imports)."""

    def __init__(self, client: Any, url: str) -> None:
        self._client = client
        self._url = url

    def enqueue(self, tenant_id: str, report_id: str) -> None:
        body = {"kind": "report.run", "tenant_id": tenant_id, "id": report_id}
        self._client.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps(body, separators=(",", ":")),
            MessageGroupId=tenant_id,
        )


class S3ReportFiles:
    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        try:
            found = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        data: bytes = found["Body"].read()
        return data
