"""The emulator's standard queues serve tenants fairly, as SQS fair queues do
(``infrastructure.local.moto_sqs``): the send queues' adapter puts each tenant's id in
``MessageGroupId``, and a tenant whose messages arrive behind another tenant's backlog gets
them in the next receives, not after the backlog."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from chalicelib.aws.sqs import Queues


@pytest.fixture
def queue(aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName=f"fair-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    yield sqs, url
    sqs.delete_queue(QueueUrl=url)


def _receive(sqs, url: str) -> list[dict]:
    reply = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=60,
        MessageSystemAttributeNames=["MessageGroupId"],
    )
    return reply.get("Messages", [])


def test_a_quiet_tenant_is_served_within_two_receives_behind_a_backlog_of_2000(queue):
    # given: 2,000 of tenant A's jobs queued, then 10 of tenant B's
    sqs, url = queue
    queues = Queues(sqs, {"priority": url}, {})
    queues.enqueue_many("priority", [("ten_a", f"msg_a{n}", 0) for n in range(2000)])
    queues.enqueue_many("priority", [("ten_b", f"msg_b{n}", 0) for n in range(10)])
    # when: a consumer receives twice, ten at a time, deleting nothing
    first, second = _receive(sqs, url), _receive(sqs, url)
    # then: all of B's are among those 20, each labelled with its tenant
    got = [json.loads(m["Body"]) for m in first + second]
    assert sorted(j["message_id"] for j in got if j["tenant_id"] == "ten_b") == sorted(
        f"msg_b{n}" for n in range(10)
    )
    assert {m["Attributes"]["MessageGroupId"] for m in first + second} == {"ten_a", "ten_b"}
    assert all(
        m["Attributes"]["MessageGroupId"] == json.loads(m["Body"])["tenant_id"]
        for m in first + second
    )


def test_the_busier_tenant_still_gets_the_rest_and_each_message_comes_once(queue):
    sqs, url = queue
    queues = Queues(sqs, {"priority": url}, {})
    queues.enqueue_many("priority", [("ten_a", f"msg_a{n}", 0) for n in range(30)])
    queues.enqueue_many("priority", [("ten_b", "msg_b0", 0)])
    seen: list[str] = []
    while batch := _receive(sqs, url):
        seen.extend(json.loads(m["Body"])["message_id"] for m in batch)
    assert sorted(seen) == sorted([*(f"msg_a{n}" for n in range(30)), "msg_b0"])
    assert seen.index("msg_b0") < 10  # served in the first receive, not after A's 30
    assert seen[0] == "msg_a0"  # oldest first among equals
