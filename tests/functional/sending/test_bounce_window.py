"""The bounce-window sweeper over the emulator: a message the worker sent becomes
``delivered`` once 72 hours have passed (the clock is injected), its event reaches the
stream through the outbox, and it leaves the sparse due index; the run of soft bounces
behaves the same in DynamoDB as its twin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.fakes.core import FakeClock
from tests.fakes.sending import FakeSoftBounceRuns
from tests.functional.outbox import stream_events


def _in_due_index(aws, message_id: str) -> bool:
    client = boto3.client("dynamodb", region_name="us-east-1")
    hours = [datetime.now(UTC) + timedelta(hours=h) for h in range(70, 76)]
    for hour in hours:
        for shard in range(4):
            items = client.query(
                TableName=aws["MessagesTable"],
                IndexName="by_delivery_due",
                KeyConditionExpression="due_shard = :s",
                ExpressionAttributeValues={":s": {"S": f"due#{hour:%Y-%m-%dT%H}#{shard}"}},
            )["Items"]
            if any(i["sk"]["S"] == message_id for i in items):
                return True
    return False


def test_a_sent_message_is_delivered_after_the_window_and_says_so(sending, aws):
    from chalicelib.core import wiring
    from functions import delivery_sweeper

    # given: a message the worker sent
    message = sending.send("window@example.test")
    sending.drain()
    assert sending.get(message["id"])["status"] == "sent"
    assert _in_due_index(aws, message["id"])
    # when: the sweeper runs 71 hours later, then 73
    later = FakeClock(datetime.now(UTC) + timedelta(hours=71))
    wiring.override("core.clock", later)
    delivery_sweeper.handler({}, None)
    assert sending.get(message["id"])["status"] == "sent"
    later.advance(2 * 3600)
    assert delivery_sweeper.handler({}, None)["delivered"] >= 1
    # then
    found = sending.get(message["id"])
    assert found["status"] == "delivered"
    assert not _in_due_index(aws, message["id"])
    [event] = [
        e for e in stream_events(aws, "message.delivered") if e["message_id"] == message["id"]
    ]
    assert event["to"] == "window@example.test"


@pytest.fixture(params=["fake", "dynamodb"])
def runs(request, aws):
    if request.param == "fake":
        return FakeSoftBounceRuns()
    from chalicelib.core import wiring

    return wiring.get("sending.soft_bounces")()


def test_a_run_counts_each_source_once_and_ends(runs):
    tenant = "ten_abcdefghijklmnopqrst"
    assert runs.record(tenant, "Full@Example.test", "inb_1") == 1
    assert runs.record(tenant, "full@example.test", "inb_1") == 1
    assert runs.record(tenant, "full@example.test", "msg_2") == 2
    assert runs.record("ten_bbbbbbbbbbbbbbbbbbbb", "full@example.test", "inb_1") == 1
    runs.end(tenant, "full@example.test")
    assert runs.record(tenant, "full@example.test", "inb_3") == 1
