"""Reports end to end in one process: the API stores and queues a job, the report worker's
handler drains moto's ``analytics-reports`` queue (records shaped like Lambda's) and runs
the job's SQL through a twin of the OLAP queries, the rows come back through the API and
as a CSV. Another tenant's report is a 404; bad filters are 422 naming the field."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.analytics.ports import QueryResult
from chalicelib.analytics.reports import predicates
from tests.fakes.analytics_reports import FakeQueries

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:penguinmails-local-analytics-reports"
RANGE = {"from": "2026-01-01", "to": "2026-01-31"}
ANSWER = QueryResult(["smtp_code", "bounced", "messages"], [[550, 3, 3], [None, 1, 1]], 2048)


@pytest.fixture
def queries():
    from chalicelib.core import wiring

    found = FakeQueries(lambda sql: ANSWER)
    wiring.override("analytics.queries", found)
    return found


def _drain() -> None:
    from chalicelib.core.settings import settings
    from functions.report_worker import handler

    sqs, url = boto3.client("sqs", region_name="us-east-1"), settings().analytics_reports_queue_url
    for _ in range(50):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
        assert handler({"Records": records}, None)["batchItemFailures"] == []
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    raise AssertionError("the queue did not drain")


def test_a_report_is_queued_run_by_the_worker_and_read_back(api, queries):
    # given
    tenant, key = api.new_tenant("business")
    # when
    asked = api.call(
        "POST", "/v1/analytics/reports", key, {"kind": "bounce_codes", "filters": RANGE}
    )
    # then
    assert asked.status_code == 202, asked.data
    report = f"/v1/analytics/reports/{asked.data['id']}"
    assert api.call("GET", report, key).data["status"] == "queued"
    _drain()
    shown = api.call("GET", report, key).data
    assert shown["status"] == "completed"
    assert (shown["columns"], shown["rows"]) == (ANSWER.columns, ANSWER.rows)
    assert shown["bytes_scanned"] == 2048 and shown["cost_usd"] > 0
    assert any(predicates(sql) == ({tenant["id"]}, *RANGE.values()) for sql in queries.asked)
    csv = api.call("GET", report + "/csv", key)
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert csv.data == "smtp_code,bounced,messages\r\n550,3,3\r\n,1,1\r\n"
    listed = api.call("GET", "/v1/analytics/reports", key).data
    assert [r["id"] for r in listed["items"]] == [asked.data["id"]]


def test_another_tenants_report_is_404_and_its_csv_too(api, queries):
    _, a_key = api.new_tenant("business")
    _, b_key = api.new_tenant("business")
    made = api.call(
        "POST", "/v1/analytics/reports", a_key, {"kind": "daily_summary", "filters": RANGE}
    )
    for path in (
        f"/v1/analytics/reports/{made.data['id']}",
        f"/v1/analytics/reports/{made.data['id']}/csv",
    ):
        assert api.call("GET", path, b_key).status_code == 404


def test_a_report_not_completed_has_no_csv_yet(api, queries):
    _, key = api.new_tenant("business")
    made = api.call(
        "POST", "/v1/analytics/reports", key, {"kind": "daily_summary", "filters": RANGE}
    )
    reply = api.call("GET", f"/v1/analytics/reports/{made.data['id']}/csv", key)
    assert reply.status_code == 409 and reply.data["error"]["details"]["status"] == "queued"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "all_of_it", "filters": RANGE}, 422, "kind"),
        (
            {"kind": "daily_summary", "filters": {**RANGE, "campaign_id": "x' OR '1'='1"}},
            422,
            "filters.campaign_id",
        ),
        (
            {"kind": "daily_summary", "filters": {"from": "2024-01-01", "to": "2026-01-01"}},
            422,
            "filters.to",
        ),
        (
            {"kind": "daily_summary", "filters": {"from": "2026-02-01", "to": "2026-01-01"}},
            422,
            "filters.from",
        ),
        (
            {"kind": "daily_summary", "filters": {**RANGE, "mailbox_id": "mbx_" + "a" * 20}},
            404,
            "filters.mailbox_id",
        ),
    ],
)
def test_bad_report_requests_name_the_field(api, body, status, field):
    _, key = api.new_tenant("business")
    reply = api.call("POST", "/v1/analytics/reports", key, body)
    assert reply.status_code == status, reply.data
    assert reply.data["error"]["details"]["field"] == field


def test_an_unknown_filter_is_a_400_naming_it(api):
    _, key = api.new_tenant("business")
    body = {"kind": "daily_summary", "filters": {**RANGE, "tenant_id": "ten_" + "b" * 20}}
    reply = api.call("POST", "/v1/analytics/reports", key, body)
    assert reply.status_code == 400
    assert reply.data["error"]["details"]["fields"][0]["field"] == "filters.tenant_id"
