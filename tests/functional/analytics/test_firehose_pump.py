"""The local Firehose over moto: events put on the stream land, after a flush, as Parquet in
their tenant's day partitions, and the DuckDB adapter answers from them; a flush that fails
halfway is redone from the checkpoint without duplicating a row; a record that is no event
is counted and skipped."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.analytics import olap
from chalicelib.analytics.queries import DuckDbQueries
from chalicelib.core import ids
from chalicelib.core.events import new_event
from infrastructure.local import template as tpl
from infrastructure.local.firehose_pump import FirehosePump, delivery_specs

DAYS = ("2026-12-01", "2026-12-02")


class FailingPuts:
    """An S3 client whose ``fail_at``-th ``put_object`` raises (a crash mid-flush)."""

    def __init__(self, s3, fail_at: int) -> None:
        self.s3, self.fail_at, self.puts = s3, fail_at, 0

    def put_object(self, **kwargs):
        self.puts += 1
        if self.puts == self.fail_at:
            raise ConnectionError("the bucket went away")
        return self.s3.put_object(**kwargs)


@pytest.fixture
def stream(aws):
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    tenant = ids.new_id("ten")
    name = f"olap-{tenant}"  # a stream of its own: other tests read the stack's from its start
    kinesis.create_stream(StreamName=name, ShardCount=1)

    def put(events):
        kinesis.put_records(
            StreamName=name,
            Records=[
                {"Data": json.dumps(e).encode(), "PartitionKey": e["tenant_id"]} for e in events
            ],
        )

    def pump(s3_client=None, clock=None):
        (spec,) = delivery_specs(tpl.load(), 60.0)
        extra = {"clock": clock} if clock else {}
        return FirehosePump(spec, kinesis, s3_client or s3, name, aws["DataBucket"], **extra)

    yield {
        "put": put,
        "pump": pump,
        "s3": s3,
        "bucket": aws["DataBucket"],
        "tenant": tenant,
        "kinesis": kinesis,
        "name": name,
    }
    kinesis.delete_stream(StreamName=name)


def _events(tenant):
    return [
        new_event(
            "message.sent",
            tenant,
            f"{day}T0{i}:00:00.000Z",
            message_id=f"m{i}",
            mailbox_id="mbx",
            to=f"p{i}@example.com",
            attempt=1,
            smtp_code=250,
        )
        for day in DAYS
        for i in range(3)
    ]


def _drain(pump) -> dict:
    while pump.poll_once():
        pass
    return pump.flush()


def _count(stream) -> list[list]:
    sql = (
        f"SELECT day, count(*) AS n, count(DISTINCT event_id) AS distinct_events FROM events "
        f"WHERE tenant_id = '{stream['tenant']}' GROUP BY day ORDER BY day"
    )
    return DuckDbQueries(stream["s3"], stream["bucket"]).run(sql).rows


def _keys(stream) -> list[str]:
    prefix = f"{olap.PREFIX}tenant_id={stream['tenant']}/"
    listed = stream["s3"].list_objects_v2(Bucket=stream["bucket"], Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_events_on_the_stream_land_in_their_partitions_and_answer_queries(stream):
    stream["put"](_events(stream["tenant"]))
    pump = stream["pump"]()
    _drain(pump)
    assert _count(stream) == [[DAYS[0], 3, 3], [DAYS[1], 3, 3]]
    keys = _keys(stream)
    assert len(keys) == 2
    for key, day in zip(keys, DAYS, strict=True):
        assert key.startswith(olap.partition_prefix(stream["tenant"], day))
        assert key.rsplit("/", 1)[1].startswith("penguinmails-local-analytics-events-shardId-")
    # a second delivery stream reading from the trimmed start rewrites the same files
    _drain(stream["pump"]())
    assert _keys(stream) == keys and _count(stream) == [[DAYS[0], 3, 3], [DAYS[1], 3, 3]]


def test_a_buffer_is_written_once_its_interval_has_passed(stream):
    stream["put"](_events(stream["tenant"]))
    now = [100.0]
    pump = stream["pump"](clock=lambda: now[0])
    assert pump.spec.interval_seconds == 5.0  # the template's 300 s at the time scale 60
    assert pump.spec.size_bytes == 1024 * 1024  # its 64 MB, a 64th locally
    while pump.poll_once():
        pass
    now[0] += 4.9
    assert pump.flush(due_only=True) == {"files": 0, "records": 0}
    assert _keys(stream) == []
    now[0] += 0.1
    assert pump.flush(due_only=True) == {"files": 2, "records": 6}
    assert len(_keys(stream)) == 2


def test_a_flush_that_fails_halfway_is_redone_from_the_checkpoint_without_duplicates(stream):
    stream["put"](_events(stream["tenant"]))
    s3 = FailingPuts(stream["s3"], fail_at=2)
    pump = stream["pump"](s3)
    while pump.poll_once():
        pass
    with pytest.raises(ConnectionError):
        pump.flush()
    assert pump.checkpoints == {}  # the checkpoint did not move
    stream["put"](
        [
            new_event(
                "message.sent",
                stream["tenant"],
                f"{DAYS[1]}T09:00:00.000Z",
                message_id="m9",
                mailbox_id="mbx",
                to="z@example.com",
                attempt=1,
                smtp_code=250,
            )
        ]
    )
    _drain(pump)
    assert _count(stream) == [[DAYS[0], 3, 3], [DAYS[1], 4, 4]]
    assert len(_keys(stream)) == 2  # the half-written flush's files were replaced
    assert pump.checkpoints


def test_a_record_that_is_no_event_is_counted_and_skipped(stream):
    stream["kinesis"].put_record(StreamName=stream["name"], Data=b"not json", PartitionKey="x")
    stream["put"](_events(stream["tenant"])[:1])
    pump = stream["pump"]()
    _drain(pump)
    assert pump.stats["failed_records"] == 1 and pump.stats["records"] == 2
    assert _count(stream) == [[DAYS[0], 1, 1]]


def test_an_open_lands_with_its_messages_campaign_through_the_transformation(stream):
    from chalicelib.sending.rules.messages import CampaignLink
    from tests.functional.worlds import stored_message

    # given a campaign's message and its open on the stream (the open names only its message)
    link = CampaignLink("cmp_aaaaaaaaaaaaaaaaaaaa", "enr_aaaaaaaaaaaaaaaaaaaa", "con_a", 3, "A")
    mailbox = {"id": "mbx_a", "domain_id": "dom_a", "email": "a@x.test"}
    message = stored_message(stream["tenant"], mailbox, to="p@acme.test", campaign=link)
    opened = new_event(
        "message.opened",
        stream["tenant"],
        f"{DAYS[0]}T10:00:00.000Z",
        message_id=message.message_id,
        actor="human",
        reason="r",
        user_agent="ua",
        ip="192.0.2.1",
        method="GET",
    )
    stream["put"]([opened])
    # when the local Firehose delivers it through the template's transformation Lambda
    pump = stream["pump"]()
    assert pump.spec.transform is not None
    assert pump.spec.transform.handler == "functions.olap_transform.handler"
    _drain(pump)
    # then the row counts for its campaign's step and variant, mailbox, domain and recipient
    sql = (
        "SELECT campaign_id, step, variant, mailbox_id, domain_id, recipient_domain FROM events "
        f"WHERE tenant_id = '{stream['tenant']}' AND type = 'message.opened'"
    )
    rows = DuckDbQueries(stream["s3"], stream["bucket"]).run(sql).rows
    assert rows == [[link.campaign_id, 3, "A", "mbx_a", "dom_a", "acme.test"]]
