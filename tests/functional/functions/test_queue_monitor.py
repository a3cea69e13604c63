"""The queue monitor and ``GET /v1/health`` over the template's stack in moto: every queue
and dead-letter queue of the template is reported (by its name, dead-letter queues flagged),
and the monitor prints one EMF record per queue with its ``Queue`` dimension."""

from __future__ import annotations

import json

import boto3

from infrastructure.local import template as tpl
from tests.functional.functions.test_functions import Context, sample

QUEUES = tpl.dead_letter_sources(tpl.load())  # every queue's name -> its source, if a DLQ


def _emf(out: str) -> list[dict]:
    return [json.loads(ln) for ln in out.splitlines() if ln.startswith("{") and '"_aws"' in ln]


def test_the_monitor_reports_every_queue_with_a_queue_dimension(aws, monkeypatch, capsys):
    from chalicelib.core import wiring
    from functions import queue_monitor

    # given a message parked on the inbound DLQ and metrics switched on
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.send_message(QueueUrl=aws["InboundDLQUrl"], MessageBody="{}")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    wiring.reset()
    capsys.readouterr()
    # when the schedule fires
    reply = queue_monitor.handler(sample("schedule/queue_monitor.json"), Context())
    # then every queue of the template is reported, and dead-letter queues have an age
    assert set(reply["depths"]) == set(QUEUES)
    assert reply["depths"]["inbound-dlq"] >= 1
    assert set(reply["oldest_age_seconds"]) == {n for n, s in QUEUES.items() if s}
    assert reply["oldest_age_seconds"]["inbound-dlq"] >= 0
    # and one EMF record per queue, with its Queue dimension and the right metric names
    records = {doc["Queue"]: doc for doc in _emf(capsys.readouterr().out) if "Queue" in doc}
    assert set(records) == set(QUEUES)
    for name, doc in records.items():
        (declared,) = doc["_aws"]["CloudWatchMetrics"]
        assert ["Queue"] in [sorted(set(d) - {"service"}) for d in declared["Dimensions"]]
        metrics = {m["Name"] for m in declared["Metrics"]}
        want = {"DeadLetterDepth", "OldestMessageAge"} if QUEUES[name] else {"QueueDepth"}
        assert metrics == want, name
    assert max(records["inbound-dlq"]["DeadLetterDepth"]) >= 1
    # the sampled age hid nothing: the message is still visible to a reader
    got = sqs.receive_message(QueueUrl=aws["InboundDLQUrl"], MaxNumberOfMessages=10)
    for m in got.get("Messages", []):
        sqs.delete_message(QueueUrl=aws["InboundDLQUrl"], ReceiptHandle=m["ReceiptHandle"])
    assert got.get("Messages")


def test_health_reports_the_depth_of_every_queue(api, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.send_message(QueueUrl=aws["SendBulkDLQUrl"], MessageBody="{}")
    reply = api.call("GET", "/v1/health")
    queues = reply.data["queues"]
    assert set(queues) == set(QUEUES)
    assert {n for n, q in queues.items() if q["dead_letter"]} == {n for n, s in QUEUES.items() if s}
    assert queues["send-bulk-dlq"]["depth"] >= 1
    assert reply.data["components"]["sqs"]["status"] == "ok"
    got = sqs.receive_message(QueueUrl=aws["SendBulkDLQUrl"], MaxNumberOfMessages=10)
    for m in got.get("Messages", []):
        sqs.delete_message(QueueUrl=aws["SendBulkDLQUrl"], ReceiptHandle=m["ReceiptHandle"])
