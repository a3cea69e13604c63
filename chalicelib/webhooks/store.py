"""Webhook endpoints and replay jobs in DynamoDB (``WebhooksTable``, low-level client, every
change after the first one conditional write).

Key formats owned here (partition: ``tenant_id``): ``whk_…`` an endpoint; ``wrp#<endpoint
id>#<job id>`` a replay job. The deliveries, the event log and the rate counters share the
table (``delivery_store``). Endpoints are listed, and read by the dispatcher, with one Query on
the ``whk_`` prefix."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.aws.dynamodb import Table, TableRef
from chalicelib.core.pagination import Page, decode_token, encode_token
from chalicelib.webhooks.rules.records import Endpoint, ReplayJob

if TYPE_CHECKING:
    import builtins
    from collections.abc import Mapping

WEBHOOKS = TableRef("WebhooksTable", __name__)
ENDPOINT_PREFIX = "whk_"


def key(tenant_id: str, sk: str) -> dict[str, Any]:
    return {"tenant_id": {"S": tenant_id}, "sk": {"S": sk}}


def refused(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value and "S" in value else None


def number(item: Mapping[str, Any], name: str) -> int | None:
    value = item.get(name)
    return int(value["N"]) if value and "N" in value else None


def _endpoint_item(e: Endpoint) -> dict[str, Any]:
    data = {
        "url": e.url,
        "event_types": list(e.event_types),
        "description": e.description,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
        "disabled_reason": e.disabled_reason,
    }
    item: dict[str, Any] = {
        **key(e.tenant_id, e.endpoint_id),
        "data": {"S": json.dumps(data)},
        "enabled": {"BOOL": e.enabled},
        "secret_version": {"N": str(e.secret_version)},
    }
    if e.failing_since:
        item["failing_since"] = {"S": e.failing_since}
    return item


def _endpoint(item: Mapping[str, Any]) -> Endpoint:
    data = json.loads(item["data"]["S"])
    return Endpoint(
        tenant_id=item["tenant_id"]["S"],
        endpoint_id=item["sk"]["S"],
        url=data["url"],
        event_types=tuple(data.get("event_types") or ()),
        enabled=bool(item["enabled"]["BOOL"]),
        description=data.get("description"),
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        secret_version=number(item, "secret_version") or 1,
        failing_since=text(item, "failing_since"),
        disabled_reason=text(item, "disabled_reason") or data.get("disabled_reason"),
    )


class DynamoEndpoints:
    def __init__(self, table: Table) -> None:
        self._client, self._table = table.client, table.name

    def create(self, endpoint: Endpoint) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=_endpoint_item(endpoint),
            ConditionExpression="attribute_not_exists(sk)",
        )

    def save(self, endpoint: Endpoint) -> None:
        """The tenant's changes; the streak and the disabling are the sender's attributes."""
        self._client.put_item(
            TableName=self._table,
            Item=_endpoint_item(endpoint) | _reason(endpoint),
            ConditionExpression="attribute_exists(sk)",
        )

    def get(self, tenant_id: str, endpoint_id: str) -> Endpoint | None:
        found = self._client.get_item(
            TableName=self._table, Key=key(tenant_id, endpoint_id), ConsistentRead=True
        ).get("Item")
        return _endpoint(found) if found else None

    def _query(self, tenant_id: str, limit: int, start: str | None) -> dict[str, Any]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}, ":p": {"S": ENDPOINT_PREFIX}},
            "Limit": limit,
            "ConsistentRead": True,
        }
        if start:
            request["ExclusiveStartKey"] = key(tenant_id, start)
        reply: dict[str, Any] = dict(self._client.query(**request))
        return reply

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Endpoint]:
        start = decode_token(token, {"sk"})
        items = self._query(tenant_id, limit + 1, start["sk"] if start else None).get("Items", [])
        more = len(items) > limit
        items = items[:limit]
        next_token = encode_token({"sk": items[-1]["sk"]["S"]}) if more else None
        return Page([_endpoint(i) for i in items], next_token)

    def all_of(self, tenant_id: str) -> builtins.list[Endpoint]:
        found: builtins.list[Endpoint] = []
        start: str | None = None
        while True:
            reply = self._query(tenant_id, 100, start)
            found.extend(_endpoint(i) for i in reply.get("Items", []))
            last = reply.get("LastEvaluatedKey")
            if not last:
                return found
            start = last["sk"]["S"]

    def delete(self, tenant_id: str, endpoint_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=key(tenant_id, endpoint_id))

    def _update(
        self,
        tenant_id: str,
        endpoint_id: str,
        expression: str,
        condition: str,
        values: dict[str, Any],
    ) -> dict[str, Any] | None:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": key(tenant_id, endpoint_id),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ReturnValues": "ALL_NEW",
        }
        if values:
            request["ExpressionAttributeValues"] = values
        try:
            return self._client.update_item(**request).get("Attributes")
        except ClientError as error:
            if refused(error):
                return None
            raise

    def failed(self, tenant_id: str, endpoint_id: str, at: str) -> Endpoint | None:
        after = self._update(
            tenant_id,
            endpoint_id,
            "SET failing_since = if_not_exists(failing_since, :at)",
            "attribute_exists(sk)",
            {":at": {"S": at}},
        )
        return _endpoint(after) if after else None

    def succeeded(self, tenant_id: str, endpoint_id: str) -> None:
        self._update(
            tenant_id, endpoint_id, "REMOVE failing_since", "attribute_exists(failing_since)", {}
        )

    def disable(self, tenant_id: str, endpoint_id: str, reason: str, at: str) -> bool:
        after = self._update(
            tenant_id,
            endpoint_id,
            "SET enabled = :off, disabled_reason = :why, disabled_at = :at",
            "enabled = :on",
            {
                ":off": {"BOOL": False},
                ":on": {"BOOL": True},
                ":why": {"S": reason},
                ":at": {"S": at},
            },
        )
        return after is not None


def _reason(endpoint: Endpoint) -> dict[str, Any]:
    return {"disabled_reason": {"S": endpoint.disabled_reason}} if endpoint.disabled_reason else {}


_NAMES = {"#s": "status", "#c": "cursor", "#t": "total", "#d": "done", "#e": "error"}


def _job_sk(endpoint_id: str, job_id: str) -> str:
    return f"wrp#{endpoint_id}#{job_id}"


def _job(item: Mapping[str, Any]) -> ReplayJob:
    data = json.loads(item["data"]["S"])
    return ReplayJob(
        tenant_id=item["tenant_id"]["S"],
        endpoint_id=data["endpoint_id"],
        job_id=data["job_id"],
        first=data["from"],
        last=data["to"],
        types=tuple(data.get("types") or ()),
        created_at=data["created_at"],
        updated_at=text(item, "updated_at") or data["created_at"],
        status=item["status"]["S"],
        total=number(item, "total") or 0,
        done=number(item, "done") or 0,
        cursor=json.loads(text(item, "cursor") or "{}"),
        error=text(item, "error") or None,
    )


class DynamoReplayJobs:
    def __init__(self, table: Table) -> None:
        self._client, self._table = table.client, table.name

    def create(self, job: ReplayJob) -> None:
        data = {
            "endpoint_id": job.endpoint_id,
            "job_id": job.job_id,
            "from": job.first,
            "to": job.last,
            "types": list(job.types),
            "created_at": job.created_at,
        }
        self._client.put_item(
            TableName=self._table,
            Item={
                **key(job.tenant_id, _job_sk(job.endpoint_id, job.job_id)),
                "data": {"S": json.dumps(data)},
                "status": {"S": job.status},
                "total": {"N": "0"},
                "done": {"N": "0"},
                "cursor": {"S": "{}"},
                "updated_at": {"S": job.updated_at},
            },
            ConditionExpression="attribute_not_exists(sk)",
        )

    def get(self, tenant_id: str, endpoint_id: str, job_id: str) -> ReplayJob | None:
        found = self._client.get_item(
            TableName=self._table,
            Key=key(tenant_id, _job_sk(endpoint_id, job_id)),
            ConsistentRead=True,
        ).get("Item")
        return _job(found) if found else None

    def _update(
        self, job: ReplayJob, expression: str, condition: str, values: dict[str, Any]
    ) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key(job.tenant_id, _job_sk(job.endpoint_id, job.job_id)),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={
                    k: v for k, v in _NAMES.items() if k in expression + condition
                },
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if refused(error):
                return False
            raise
        return True

    def started(self, job: ReplayJob, total: int, at: str) -> None:
        self._update(
            job,
            "SET #s = :run, #t = :total, updated_at = :at",
            "#s = :pending",
            {
                ":run": {"S": "running"},
                ":pending": {"S": "pending"},
                ":total": {"N": str(total)},
                ":at": {"S": at},
            },
        )

    def advance(self, job: ReplayJob, cursor: dict[str, str], done: int, at: str) -> bool:
        return self._update(
            job,
            "SET #c = :next, updated_at = :at ADD #d :n",
            "#c = :cur",
            {
                ":next": {"S": json.dumps(cursor, sort_keys=True)},
                ":cur": {"S": json.dumps(job.cursor, sort_keys=True)},
                ":n": {"N": str(done)},
                ":at": {"S": at},
            },
        )

    def finish(self, job: ReplayJob, status: str, total: int, at: str, error: str | None) -> None:
        values: dict[str, Any] = {
            ":st": {"S": status},
            ":total": {"N": str(total)},
            ":at": {"S": at},
        }
        expression = "SET #s = :st, #t = :total, updated_at = :at"
        if error:
            values[":e"] = {"S": error}
            expression += ", #e = :e"
        self._update(job, expression, "attribute_exists(sk)", values)
