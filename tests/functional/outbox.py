"""The functional tier's stand-in for Lambda's DynamoDB Stream mappings: run the outbox relay
over every stream the template maps to it, from where the last call stopped, so the events
stored with each change reach the Kinesis stream the way they do on AWS (the tier shares one
emulated account for the session, so the positions do too)."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.config import Config

from infrastructure.local import template as tpl

_after: dict[str, str] = {}  # stream arn -> last sequence number relayed


def relay_outbox(aws: dict[str, str]) -> int:
    """Relay every new stream record; the number of records handed to the relay."""
    from functions import outbox_relay

    handed = 0
    for mapping in tpl.mappings(tpl.load()):
        if mapping.function.handler != "functions.outbox_relay.handler":
            continue
        for batch in stream_batches(aws[mapping.source_logical_id], mapping.batch_size):
            reply = outbox_relay.handler({"Records": batch}, None)
            assert reply == {"batchItemFailures": []}, reply
            handed += len(batch)
    return handed


def stream_batches(table: str, batch_size: int) -> list[list[dict[str, Any]]]:
    """The table's stream records not handed out before, in batches of ``batch_size``."""
    # botocore would aim at the account-id endpoint, which the emulator's mock does not serve
    plain = Config(account_id_endpoint_mode="disabled")
    streams = boto3.client("dynamodbstreams", region_name="us-east-1", config=plain)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    where: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
    if arn in _after:
        where = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": _after[arn]}
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, **where)["ShardIterator"]
    batches = []
    while True:
        reply = streams.get_records(ShardIterator=iterator, Limit=batch_size)
        if not reply["Records"]:
            return batches
        batches.append(reply["Records"])
        _after[arn] = reply["Records"][-1]["dynamodb"]["SequenceNumber"]
        iterator = reply["NextShardIterator"]


def stream_events(aws: dict[str, str], kind: str | None = None) -> list[dict[str, Any]]:
    """Relay what is pending, then every event on the Kinesis stream (of ``kind``)."""
    relay_outbox(aws)
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    stream = aws["EventsStream"]
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    found: list[dict[str, Any]] = []
    while iterator:
        reply = kinesis.get_records(ShardIterator=iterator, Limit=1000)
        found += [json.loads(r["Data"]) for r in reply["Records"]]
        if not reply["Records"]:
            break
        iterator = reply["NextShardIterator"]
    return [e for e in found if kind is None or e["type"] == kind]


def kinesis_batch(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The Kinesis event Lambda gives a stream consumer for ``events``, one record each."""
    import base64

    return {
        "Records": [
            {
                "eventID": f"shardId-000000000000:{n}",
                "eventSource": "aws:kinesis",
                "kinesis": {
                    "data": base64.b64encode(json.dumps(e).encode()).decode(),
                    "sequenceNumber": str(n),
                    "partitionKey": e["tenant_id"],
                },
            }
            for n, e in enumerate(events)
        ]
    }
