"""Tenant export jobs in DynamoDB (``ImportsTable``, ``tenant_id`` + ``exp_…``): created
once, then moved by the worker (kinds done, records written, the kind at work, the
archive's key or the error)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.imports.rules.jobs import ExportJob

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.aws.dynamodb import Table
    from chalicelib.imports.rules.jobs import ExportState


def _key(tenant_id: str, export_id: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": export_id}}


def _export(item: Mapping[str, Any]) -> ExportJob:
    def text(name: str) -> str | None:
        value = item.get(name, {}).get("S")
        return str(value) if value is not None else None

    def number(name: str) -> int:
        return int(item.get(name, {}).get("N", "0"))

    error = text("error")
    return ExportJob(
        tenant_id=item["tenant_id"]["S"],
        export_id=item["sk"]["S"],
        status=item["status"]["S"],
        created_at=item["created_at"]["S"],
        updated_at=item["updated_at"]["S"],
        kinds_total=number("kinds_total"),
        kinds_done=number("kinds_done"),
        records=number("records"),
        current=text("current"),
        error=json.loads(error) if error else None,
        archive_key=text("archive_key"),
        completed_at=text("completed_at"),
    )


class DynamoExportJobs:
    def __init__(self, table: Table) -> None:
        self._client = table.client
        self._table = table.name

    def create(self, job: ExportJob) -> None:
        item = {
            **_key(job.tenant_id, job.export_id),
            "status": {"S": job.status},
            "created_at": {"S": job.created_at},
            "updated_at": {"S": job.updated_at},
        }
        self._client.put_item(
            TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(sk)"
        )

    def get(self, tenant_id: str, export_id: str) -> ExportJob | None:
        reply = self._client.get_item(
            TableName=self._table, Key=_key(tenant_id, export_id), ConsistentRead=True
        )
        found = reply.get("Item")
        return _export(found) if found else None

    def progress(self, tenant_id: str, export_id: str, state: ExportState, at: str) -> None:
        values: dict[str, Any] = {
            ":s": {"S": state.status},
            ":done": {"N": str(state.kinds_done)},
            ":total": {"N": str(state.kinds_total)},
            ":records": {"N": str(state.records)},
            ":at": {"S": at},
        }
        sets = [
            "#s = :s",
            "kinds_done = :done",
            "kinds_total = :total",
            "#r = :records",
            "updated_at = :at",
        ]
        names = {"#s": "status", "#r": "records"}
        optional = {
            "#cur": ("current", state.current),
            "#a": ("archive_key", state.archive_key),
            "#e": ("error", json.dumps(state.error) if state.error else None),
            "#end": ("completed_at", at if state.status in ("completed", "failed") else None),
        }
        removes = []
        for placeholder, (name, value) in optional.items():
            names[placeholder] = name
            if value is None:
                removes.append(placeholder)
            else:
                values[":" + name] = {"S": value}
                sets.append(f"{placeholder} = :{name}")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        self._client.update_item(
            TableName=self._table,
            Key=_key(tenant_id, export_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(sk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
