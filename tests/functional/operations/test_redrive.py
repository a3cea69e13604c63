"""The redrive over the template's queues in moto: through the admin route and through the
``make redrive`` command's entry, each parked message goes back to its source queue once
(body and attributes kept), a second run moves nothing, names that are no dead-letter queue
are refused by name, and only the admin key may ask. FIFO ids survive the move."""

from __future__ import annotations

import json

import boto3

from tests.functional.conftest import ADMIN_KEY, STACK


def _clean(sqs, *urls: str) -> None:
    """Empty queues (PurgeQueue is allowed once a minute a queue)."""
    for url in urls:
        _drain(sqs, url)


def _park(sqs, url: str, n: int) -> list[str]:
    bodies = [json.dumps({"tenant_id": "ten_x", "message_id": f"msg_{i}"}) for i in range(n)]
    for i, body in enumerate(bodies):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=body,
            MessageAttributes={"reason": {"DataType": "String", "StringValue": f"r{i}"}},
        )
    return bodies


def _drain(sqs, url: str) -> list[dict]:
    """Every visible message of a queue, deleted from it."""
    found: list[dict] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=30
    ).get("Messages", []):
        found += batch
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return found


def test_two_redrives_move_each_message_once_keeping_its_attributes(api, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq, source = aws["SendBulkDLQUrl"], aws["SendBulkQueueUrl"]
    _clean(sqs, dlq, source)
    # given 13 messages parked on the bulk DLQ
    bodies = _park(sqs, dlq, 13)
    # when an operator redrives it twice
    first = api.call("POST", "/v1/admin/queues/send-bulk-dlq/redrive", ADMIN_KEY)
    second = api.call("POST", "/v1/admin/queues/send-bulk-dlq/redrive", ADMIN_KEY)
    # then the first moved all 13 to send-bulk, the second none, each with its attributes
    assert first.status_code == 200, first.data
    assert first.data == {
        "queue": "send-bulk-dlq",
        "source": "send-bulk",
        "moved": 13,
        "refused": 0,
        "limit": 1000,
        "stopped": "empty",
    }
    assert (second.data["moved"], second.data["stopped"]) == (0, "empty")
    moved = _drain(sqs, source)
    assert sorted(m["Body"] for m in moved) == sorted(bodies)
    reasons = {json.loads(m["Body"])["message_id"]: m["MessageAttributes"]["reason"] for m in moved}
    assert reasons["msg_3"] == {"DataType": "String", "StringValue": "r3"}
    assert _drain(sqs, dlq) == []


def test_the_limit_bounds_a_run(api, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq, source = aws["InboundDLQUrl"], aws["InboundQueueUrl"]
    _clean(sqs, dlq, source)
    _park(sqs, dlq, 4)
    done = api.call("POST", "/v1/admin/queues/inbound-dlq/redrive?limit=3", ADMIN_KEY)
    assert (done.data["moved"], done.data["stopped"], done.data["source"]) == (
        3,
        "limit",
        "inbound",
    )
    bad = api.call("POST", "/v1/admin/queues/inbound-dlq/redrive?limit=0", ADMIN_KEY)
    assert bad.status_code == 400 and bad.data["error"]["details"]["field"] == "limit"
    _clean(sqs, dlq, source)


def test_names_that_are_no_dead_letter_queue_are_refused_by_name(api, aws):
    unknown = api.call("POST", "/v1/admin/queues/nope-dlq/redrive", ADMIN_KEY)
    assert unknown.status_code == 404
    assert "nope-dlq" in unknown.data["error"]["message"]
    source = api.call("POST", "/v1/admin/queues/send-bulk/redrive", ADMIN_KEY)
    assert source.status_code == 422
    assert "send-bulk" in source.data["error"]["message"]


def test_only_the_admin_key_may_redrive(api, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = aws["NotificationsDLQUrl"]
    _clean(sqs, dlq)
    _park(sqs, dlq, 1)
    _, tenant_key = api.new_tenant()
    path = "/v1/admin/queues/notifications-dlq/redrive"
    assert api.call("POST", path).status_code == 401
    assert api.call("POST", path, "not-the-admin-key").status_code == 401
    assert api.call("POST", path, tenant_key).status_code == 403
    assert len(_drain(sqs, dlq)) == 1  # nothing moved


def test_the_make_target_moves_with_the_same_service(aws):
    from infrastructure.ops.redrive import run

    sqs = boto3.client("sqs", region_name="us-east-1")
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    dlq, source = aws["SendPriorityDLQUrl"], aws["SendPriorityQueueUrl"]
    _clean(sqs, dlq, source)
    bodies = _park(sqs, dlq, 3)
    first = run(cfn, sqs, STACK, "send-priority-dlq", limit=100, wait=0)
    second = run(cfn, sqs, STACK, "send-priority-dlq", limit=100, wait=0)
    assert (first.moved, first.source, second.moved) == (3, "send-priority", 0)
    assert sorted(m["Body"] for m in _drain(sqs, source)) == sorted(bodies)


def test_fifo_group_and_deduplication_ids_survive_the_move(aws):
    from chalicelib.operations.service import redrive
    from chalicelib.operations.store import SqsDeadLetters

    # given a FIFO queue and its FIFO DLQ (the template has none yet; the adapter keeps them)
    sqs = boto3.client("sqs", region_name="us-east-1")
    fifo = {"FifoQueue": "true"}
    source = sqs.create_queue(QueueName="ops-test.fifo", Attributes=fifo)["QueueUrl"]
    dlq = sqs.create_queue(QueueName="ops-test-dlq.fifo", Attributes=fifo)["QueueUrl"]
    sqs.send_message(
        QueueUrl=dlq, MessageBody="{}", MessageGroupId="ten_a", MessageDeduplicationId="d1"
    )
    urls = {"ops-test": source, "ops-test-dlq": dlq}
    # when it is redriven
    done = redrive(
        SqsDeadLetters(sqs, urls, wait_seconds=0),
        {"ops-test": None, "ops-test-dlq": "ops-test"},
        "ops-test-dlq",
    )
    # then the copy is in the same message group
    assert done.moved == 1
    got = sqs.receive_message(QueueUrl=source, MessageSystemAttributeNames=["All"])["Messages"]
    assert got[0]["Attributes"]["MessageGroupId"] == "ten_a"
    assert got[0]["Attributes"]["MessageDeduplicationId"] == "d1"
