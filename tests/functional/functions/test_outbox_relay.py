"""The outbox relay over the emulator's DynamoDB Streams: every stored change reaches the
events stream with its events, a stream that refuses a batch gets it again from its first
record (nothing after it is skipped or lost), and a write that did not happen has no
event."""

from __future__ import annotations

import dataclasses

import boto3
import pytest
from botocore.config import Config

from tests.functional.outbox import relay_outbox, stream_events


class Down:
    def publish(self, event):
        raise ConnectionError("stream unavailable")

    def publish_many(self, events):
        raise ConnectionError("stream unavailable")


def _pending(aws, table: str) -> list[dict]:
    """The table's stream records, all of them (the test reads, the relay helper relays)."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    streams = boto3.client(
        "dynamodbstreams",
        region_name="us-east-1",
        config=Config(account_id_endpoint_mode="disabled"),
    )
    arn = dynamodb.describe_table(TableName=aws[table])["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]


def test_a_stored_change_reaches_the_stream_with_its_event(api, aws):
    tenant, _ = api.new_tenant()
    [created] = [e for e in stream_events(aws, "tenant.created") if e["tenant_id"] == tenant["id"]]
    assert created["plan"] == "professional"


def test_a_refused_batch_comes_back_from_its_first_record_and_loses_nothing(api, aws):
    from chalicelib.core import wiring
    from functions import outbox_relay

    # given: a new tenant's change is on the tenants table's stream
    relay_outbox(aws)
    tenant, _ = api.new_tenant()
    records = [
        r
        for r in _pending(aws, "TenantsTable")
        if r["dynamodb"]["Keys"]["tenant_id"]["S"] == tenant["id"]
    ]
    # when: the events stream refuses the batch
    wiring.override("aws.events", Down())
    reply = outbox_relay.handler({"Records": records}, None)
    # then: the batch is failed from its first record, so the mapping retries all of it
    first = records[0]["dynamodb"]["SequenceNumber"]
    assert reply == {"batchItemFailures": [{"itemIdentifier": first}]}
    assert not [e for e in stream_events_without_relay(aws) if e["tenant_id"] == tenant["id"]]
    # and once the stream is back, the retry delivers the event
    wiring.reset()
    assert relay_outbox(aws) >= 1
    assert [e for e in stream_events(aws, "tenant.created") if e["tenant_id"] == tenant["id"]]


def stream_events_without_relay(aws) -> list[dict]:
    import json

    kinesis = boto3.client("kinesis", region_name="us-east-1")
    shard = kinesis.list_shards(StreamName=aws["EventsStream"])["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=aws["EventsStream"], ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return [json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]]


def test_a_transition_that_did_not_happen_has_no_event(sending, aws):
    from chalicelib.core.events import new_event
    from chalicelib.sending import StaleWrite

    message = sending.send("stale@example.test")
    store = sending_store()
    stored = store.get(sending.tenant_id, message["id"])
    ghost = new_event(
        "message.sent", sending.tenant_id, "2026-12-02T12:00:00Z", message_id=stored.message_id
    )
    # when: a write expecting the wrong status is refused
    with pytest.raises(StaleWrite):
        store.transition(
            dataclasses.replace(stored, status="sent"),
            ("sending",),
            stored.attempts,
            events=[ghost],
        )
    # then: its event never reaches the stream; the message's own queued event does
    events = stream_events(aws)
    assert ghost["event_id"] not in {e["event_id"] for e in events}
    assert [
        e
        for e in events
        if e.get("message_id") == stored.message_id and e["type"] == "message.queued"
    ]


def sending_store():
    from chalicelib.core import wiring

    return wiring.get("sending.messages")()
