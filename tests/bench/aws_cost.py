"""AWS requests per sent message, and what they cost per 1,000 messages at list prices.

A run of 1,000 messages (two batch requests of 500) through the real API handler and the
real send worker, against the template's stack in moto, every boto3 call counted with a
botocore ``before-parameter-build`` hook on each client ``deps`` shares. The worker is fed
exactly as Lambda's SQS poller feeds it (ReceiveMessage of 10, DeleteMessageBatch of the
successes), and those polling requests are counted too. The SMTP side is the in-memory
twin: this bench counts AWS, not SMTP (see ``send_throughput``).

Prices (us-east-1, list): DynamoDB on-demand $0.625 per million write units and $0.125 per
million read units (consistent reads of items under 4 KB: 1 unit; eventual: half); SQS
$0.40 per million requests; S3 PUT $0.005 and GET $0.0004 per 1,000; Kinesis $0.014 per
million PUT payload units (records under 25 KB: 1 unit each); Secrets Manager $0.05 per
10,000 calls. Hourly charges (Kinesis shards) and Lambda compute are left out and said so.
The event consumer's counter updates (one transaction per event) are measured apart: they
are analytics, paid per event rather than per send.

Run: ``python -m tests.bench.aws_cost [--messages N]``; prints only.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

PRICE = {
    "wru": 0.625e-6,
    "rru": 0.125e-6,
    "sqs": 0.40e-6,
    "s3_put": 0.005e-3,
    "s3_get": 0.0004e-3,
    "kinesis_unit": 0.014e-6,
    "secrets": 0.05e-4,
}
SES_PER_1000 = 0.10
SAMPLE_EVENTS = 300


class Meter:
    """Counts API calls and billing units from botocore."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.units: Counter[str] = Counter()

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        name = f"{service}.{model.name}"
        self.calls[name] += 1
        units = _units(service, model.name, params)
        for kind, amount in units.items():
            self.units[kind] += amount

    def cost(self) -> float:
        return sum(PRICE[k] * v for k, v in self.units.items())


def _units(service: str, operation: str, params: dict[str, Any]) -> dict[str, float]:
    if service == "dynamodb":
        return _dynamodb_units(operation, params)
    if service == "sqs":
        return {"sqs": 1}
    if service == "s3":
        return {"s3_put": 1} if operation in ("PutObject", "CopyObject") else {"s3_get": 1}
    if service == "kinesis":
        records = params.get("Records")
        return {"kinesis_unit": len(records) if records is not None else 1}
    if service == "secretsmanager":
        return {"secrets": 1}
    return {}


def _dynamodb_units(operation: str, params: dict[str, Any]) -> dict[str, float]:
    if operation == "BatchWriteItem":
        return {"wru": sum(len(v) for v in params["RequestItems"].values())}
    if operation == "BatchGetItem":
        return {"rru": sum(len(v["Keys"]) for v in params["RequestItems"].values())}
    if operation == "TransactWriteItems":
        return {"wru": 2 * len(params["TransactItems"])}
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return {"wru": 1}
    if operation in ("GetItem", "Query"):
        return {"rru": 1 if params.get("ConsistentRead") else 0.5}
    return {}


def _setup(api: Any) -> tuple[str, str, Any]:
    from chalicelib.core import wiring
    from tests.fakes.dns import ZoneDns
    from tests.fakes.probe import FakeProber
    from tests.fakes.smtp import SmtpSink

    wiring.override("domains.dns_lookup", ZoneDns())
    wiring.override("mailboxes.probe", FakeProber())
    _, key = api.new_tenant("enterprise", postal_address="1 Bench Road, Benchville")
    domain = api.call(
        "POST",
        "/v1/domains",
        key,
        {"name": "cost.test", "dns_provider": "route53", "server_ips": ["192.0.2.1"]},
    ).data
    api.call("POST", f"/v1/domains/{domain['id']}/verify", key)
    for name in ("a", "b", "c"):
        api.call(
            "POST",
            "/v1/mailboxes",
            key,
            {
                "email": f"{name}@cost.test",
                "daily_limit": 10_000,
                "smtp": {"host": "127.0.0.1", "port": 2525, "username": name, "password": "right"},
            },
        )
    sink = SmtpSink()
    wiring.override(
        "sending.send_ports",
        dataclasses.replace(wiring.get("sending.send_ports")(), senders=sink.factory),
    )
    return key, "team@cost.test", sink


def _queue(api: Any, key: str, sender: str, count: int) -> None:
    for start in range(0, count, 500):
        size = min(500, count - start)
        reply = api.call(
            "POST",
            "/v1/messages/batch",
            key,
            {
                "from": sender,
                "subject": "Hello {{ first }}",
                "html": "<p>Hi {{ first }}, <a href='https://example.com/a'>a link</a>.</p>",
                "recipients": [
                    {"to": f"lead{start + i}@example.test", "variables": {"first": f"L{i}"}}
                    for i in range(size)
                ],
            },
        )
        assert reply.status_code == 202, reply.data


def _drain(sqs: Any, url: str) -> int:
    from functions.send_worker import handler

    handled = 0
    while True:
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = reply.get("Messages", [])
        if not messages:
            return handled
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": {},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:x-send-priority",
                }
                for m in messages
            ]
        }
        failed = {f["itemIdentifier"] for f in handler(event, None)["batchItemFailures"]}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        handled += len(messages)


def _consume_events(stream: str, limit: int) -> int:
    """Run the event consumer over the first ``limit`` events on the stream (analytics,
    measured apart and reported per event)."""
    import base64

    from chalicelib.core import wiring
    from functions.event_consumer import handler

    kinesis = wiring.get("aws.kinesis")()
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    consumed = 0
    while iterator:
        reply = kinesis.get_records(ShardIterator=iterator, Limit=min(500, limit - consumed))
        records = reply["Records"]
        if not records or consumed >= limit:
            return consumed
        event = {
            "Records": [
                {
                    "eventID": f"shardId-000000000000:{r['SequenceNumber']}",
                    "eventSource": "aws:kinesis",
                    "kinesis": {
                        "data": base64.b64encode(r["Data"]).decode(),
                        "sequenceNumber": r["SequenceNumber"],
                        "partitionKey": r["PartitionKey"],
                    },
                }
                for r in records
            ]
        }
        handler(event, None)
        consumed += len(records)
        if consumed >= limit:
            return consumed
        iterator = reply.get("NextShardIterator")
    return consumed


@contextlib.contextmanager
def _counting(meter: Meter) -> Iterator[None]:
    """Each client copies the session's event hooks when it is built, so the hook goes on
    every client ``deps`` hands out (PynamoDB's models share the DynamoDB one)."""
    from chalicelib.core import wiring

    clients = [
        wiring.get("aws." + s)() for s in ("dynamodb", "sqs", "s3", "kinesis", "secretsmanager")
    ]
    for client in clients:
        client.meta.events.register("before-parameter-build", meter)
    try:
        yield
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build", meter)


def _report(title: str, meter: Meter, per: int) -> float:
    """Prints the meter; returns the cost per 1,000 of ``per``."""
    per_one = sum(meter.calls.values()) / per
    per_thousand = meter.cost() / per * 1000
    print(f"\n{title}: {sum(meter.calls.values())} requests, {per_one:.2f} each")
    for name, calls in sorted(meter.calls.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<36}{calls:>7}{calls / per:>9.3f} each")
    units = ", ".join(f"{k} {v:g}" for k, v in sorted(meter.units.items()))
    print(f"  billing units: {units}")
    print(f"  cost per 1,000: ${per_thousand:.5f}")
    return per_thousand


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import discard_stdout, quiet

    quiet()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.aws_cost", description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1, help="accepted for make bench; unused")
    args = parser.parse_args(argv)
    quiet = {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"}
    os.environ.update({**quiet, "PM_RETRY_SCALE": "0"})
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib.core import wiring
    from chalicelib.core.settings import reset_settings, settings
    from tests.functional.conftest import Api, _deploy, environment

    os.environ.pop("AWS_ENDPOINT_URL", None)  # moto in-process, not a server
    with mock_aws():
        os.environ.update({**environment(_deploy("us-east-1")), **quiet})
        reset_settings()
        wiring.reset()
        with Client(app, stage_name="local") as client:
            api = Api(client)
            key, sender, sink = _setup(api)
            meter = Meter()
            # Powertools prints a metric's EMF line when it reaches 100 values, metrics
            # disabled or not: not a figure of this bench.
            with _counting(meter), discard_stdout():
                _queue(api, key, sender, args.messages)
                handled = _drain(wiring.get("aws.sqs")(), settings().send_priority_queue_url)
            sent = len(sink.accepted)
            analytics = Meter()
            with _counting(analytics), discard_stdout():
                events = _consume_events(settings().events_stream, SAMPLE_EVENTS)
    print(f"aws cost: {args.messages} messages queued by the API, {handled} SQS records handled,")
    print(f"{sent} accepted by the SMTP twin; moto, the template's stack; requests counted by")
    print(
        "a botocore before-parameter-build hook (API handler + send worker + Lambda's SQS polling)"
    )
    cost = _report("sending (API + worker + SQS polling)", meter, max(sent, 1))
    per_event = _report(
        f"analytics (event consumer, a sample of {events} events)", analytics, events
    )
    print(f"  (the run put {sent * 3} message events on the stream: ~3 per sent message, so")
    print(f"  counting them costs about ${per_event * 3:.5f} per 1,000 messages)")
    total = cost + per_event * 3
    print(
        f"\nAWS cost per 1,000 sent messages: ${cost:.5f} sending + ${per_event * 3:.5f} counting "
        f"events = ${total:.5f} (goal < $0.01; SES charges ${SES_PER_1000:.2f}, "
        f"{SES_PER_1000 / total if total else 0:.0f}x more). Excludes Kinesis shard hours and "
        "Lambda compute."
    )
    return 0 if sent == args.messages else 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
