"""Replays of old events from the analytics tier's event files, for real: events put on a
Kinesis stream go through the local Firehose (the template's delivery stream and its
transformation Lambda) into Parquet files in the tenant/day partitions of the moto bucket,
read by the archive adapter the wiring builds (``OlapArchive`` over ``DuckDbQueries``).

The adapter gives exactly one tenant's events of a window, in (occurred_at, event_id) order,
filtered by type, and its cursor resumes without loss or repeat; a replay job over a range a
month old delivers those events to a loopback receiver; a range across the log's border
delivers each event once and counts it once."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from chalicelib.core import ids
from chalicelib.core.clock import iso
from chalicelib.core.events import new_event
from chalicelib.webhooks.ports import Window, position
from chalicelib.webhooks.rules.replay import LOG_BORDER
from functions import webhook_dispatcher, webhook_replayer, webhook_sender
from infrastructure.local import template as tpl
from infrastructure.local.firehose_pump import FirehosePump, delivery_specs
from tests.fakes.core import FakeClock
from tests.functional.webhooks.test_webhook_delivery import (
    Receiver,
    _drain,
    _hook,
    _kinesis,
)

KINDS = ("message.sent", "message.delivered", "message.opened", "message.bounced")


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def clock(aws):
    from chalicelib.core import wiring

    fake = FakeClock(datetime.now(UTC).replace(microsecond=123_000))
    wiring.override("core.clock", fake)
    return fake


def _ago(clock: FakeClock, days: float, seconds: float = 0) -> str:
    return iso(clock.now() - timedelta(days=days) + timedelta(seconds=seconds))


def _event(tenant_id: str, at: str, n: int) -> dict:
    """One event of the kinds a webhook carries, with the ids and numbers the files keep."""
    kind = KINDS[n % len(KINDS)]
    extra = {"smtp_code": 550} if kind == "message.bounced" else {}
    if kind == "message.sent":
        extra = {"campaign_id": "cmp_archive", "step": 1 + n % 3, "variant": "a"}
    return new_event(
        kind,
        tenant_id,
        at,
        message_id=f"msg_{tenant_id[-6:]}_{n:04d}",
        mailbox_id="mbx_archive",
        domain_id="dom_archive",
        **extra,
    )


def _store(aws, events: list[dict]) -> None:
    """The events into the files as the tier writes them: put on a stream of their own, read
    by the local Firehose (the template's delivery stream: its transformation Lambda, its
    partitions), flushed twice so a partition holds more than one file."""
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    name = f"olap-{ids.new_id('str')}"  # not the stack's: other tests read that from its start
    kinesis.create_stream(StreamName=name, ShardCount=1)
    try:
        (spec,) = delivery_specs(tpl.load(), 60.0)
        pump = FirehosePump(spec, kinesis, s3, name, aws["DataBucket"])
        half = len(events) // 2
        for part in (events[:half], events[half:]):
            records = [
                {"Data": json.dumps(e).encode(), "PartitionKey": e["tenant_id"]} for e in part
            ]
            for start in range(0, len(records), 500):
                kinesis.put_records(StreamName=name, Records=records[start : start + 500])
            while pump.poll_once():
                pass
            assert pump.flush()["records"] == len(part)
    finally:
        kinesis.delete_stream(StreamName=name)


def _ordered(events: list[dict]) -> list[str]:
    return [e["event_id"] for e in sorted(events, key=lambda e: (e["occurred_at"], e["event_id"]))]


@pytest.fixture
def archived(aws, clock):
    """A's and B's events over 35..15 days ago, some sharing a millisecond; A's window is
    30..20 days ago (its first instant in, its last out)."""
    a, b = ids.new_id("ten"), ids.new_id("ten")
    window = Window(_ago(clock, 30), _ago(clock, 20))
    times = [window.first, window.last, _ago(clock, 35), _ago(clock, 15), _ago(clock, 20, -1)]
    times += [_ago(clock, 30 - d, h * 3600) for d in range(10) for h in (0, 7, 7, 19)]
    mine = [_event(a, at, n) for n, at in enumerate(times)]
    theirs = [_event(b, at, n) for n, at in enumerate(times[:10])]
    _store(aws, mine + theirs)
    inside = [e for e in mine if window.first <= e["occurred_at"] < window.last]
    return {"tenant": a, "window": window, "events": mine, "inside": inside}


def _archive():
    from chalicelib.webhooks import wiring

    return wiring.archive()


def _read_all(archive, tenant_id: str, window: Window, limit: int) -> list[list[dict]]:
    """Every page from the start, each from the cursor after the last (a cursor that does not
    move on fails here instead of reading forever)."""
    pages, after = [], None
    for _ in range(100):
        page = archive.page(tenant_id, window, after, limit)
        if not page:
            return pages
        assert len(page) <= limit and (after is None or position(page[0]) > after)
        pages.append(page)
        after = position(page[-1])
    raise AssertionError("the archive's pages never ended")


def test_the_archive_gives_one_tenants_window_in_order_page_by_page(archived):
    archive, tenant, window = _archive(), archived["tenant"], archived["window"]
    expected = _ordered(archived["inside"])
    assert len(expected) == 42  # 40 + the first instant + one a second before the last
    pages = _read_all(archive, tenant, window, 5)
    assert len(pages) == 9 and all(len(p) == 5 for p in pages[:-1])
    got = [e for page in pages for e in page]
    assert [e["event_id"] for e in got] == expected
    assert archive.count(tenant, window) == len(expected)
    originals = {e["event_id"]: e for e in archived["events"]}
    for event in got:
        sent = originals[event["event_id"]]
        assert event["tenant_id"] == tenant and event["type"] == sent["type"]
        assert event["occurred_at"] == sent["occurred_at"]
        for name in ("message_id", "mailbox_id", "domain_id", "campaign_id", "step", "smtp_code"):
            assert event.get(name) == sent.get(name)


def test_the_archive_honours_the_types_and_resumes_inside_a_millisecond(archived):
    archive, tenant = _archive(), archived["tenant"]
    kinds = ("message.bounced", "message.opened")
    window = Window(archived["window"].first, archived["window"].last, kinds)
    expected = _ordered([e for e in archived["inside"] if e["type"] in kinds])
    assert 0 < len(expected) < len(archived["inside"])
    got = [e["event_id"] for page in _read_all(archive, tenant, window, 1) for e in page]
    assert got == expected
    assert archive.count(tenant, window) == len(expected)
    # two events share each day's 07:00 millisecond: the cursor between them loses neither
    twins = [e for e in archived["inside"] if e["occurred_at"] == _twin_time(archived)]
    assert len(twins) == 2
    first, second = _ordered(twins)
    window = archived["window"]
    resumed = archive.page(tenant, window, f"{twins[0]['occurred_at']}#{first}", 1)
    assert [e["event_id"] for e in resumed] == [second]


def _twin_time(archived) -> str:
    seen = Counter(e["occurred_at"] for e in archived["inside"])
    return min(at for at, n in seen.items() if n == 2)


def test_another_tenants_events_never_come_back(archived, aws):
    other = ids.new_id("ten")
    window = archived["window"]
    assert _archive().page(other, window, None, 100) == []
    assert _archive().count(other, window) == 0


def _send_all(aws, clock: FakeClock) -> None:
    """Drain the deliveries queue, a second passing between rounds (the endpoint's rate)."""
    for _ in range(100):
        if not _drain(aws["WebhookDeliveriesQueueUrl"], webhook_sender.handler, rounds=2):
            return
        clock.advance(1)


def test_an_event_the_files_hold_twice_comes_back_and_counts_once(aws, clock):
    # given events a producer's retry put on the stream twice: the copies in two files
    tenant = ids.new_id("ten")
    window = Window(_ago(clock, 30), _ago(clock, 20))
    events = [_event(tenant, _ago(clock, 29, n * 3600), n) for n in range(8)]
    _store(aws, events + events[:4])
    # when the archive is read a few at a time and counted
    pages = _read_all(_archive(), tenant, window, 3)
    # then each event came once, in order, and counts once
    assert [e["event_id"] for page in pages for e in page] == _ordered(events)
    assert _archive().count(tenant, window) == len(events)


def _replay(api, aws, clock, key: str, hook: dict, first: str, last: str) -> dict:
    reply = api.call("POST", f"/v1/webhooks/{hook['id']}/replay", key, {"from": first, "to": last})
    assert reply.status_code == 202, reply.data
    _drain(aws["WebhookReplaysQueueUrl"], webhook_replayer.handler, rounds=50)
    _send_all(aws, clock)
    path = f"/v1/webhooks/{hook['id']}/replays/{reply.data['id']}"
    return api.call("GET", path, key).data


def _received(receiver: Receiver, since: int = 0) -> list[str]:
    return [json.loads(body)["event_id"] for _, body in receiver.requests[since:]]


def test_a_replay_a_month_back_delivers_the_archived_events(api, aws, clock, receiver):
    tenant, key = api.new_tenant()
    other, _ = api.new_tenant()
    hook = _hook(api, key, receiver.url)
    # more than a page of the job's (100), spread over the ten days, and B's on the same days
    mine = [_event(tenant["id"], _ago(clock, 30, n * 6000), n) for n in range(130)]
    late = [_event(tenant["id"], _ago(clock, 19), 999)]
    theirs = [_event(other["id"], _ago(clock, 30, n * 6000), n) for n in range(20)]
    _store(aws, mine + late + theirs)
    job = _replay(api, aws, clock, key, hook, _ago(clock, 30), _ago(clock, 20))
    got = _received(receiver)
    assert Counter(got) == Counter(e["event_id"] for e in mine)
    assert job["status"] == "completed"
    assert job["progress"] == {"total": 130, "done": 130}
    bodies = {json.loads(body)["event_id"]: json.loads(body) for _, body in receiver.requests}
    sample = mine[3]
    assert bodies[sample["event_id"]]["occurred_at"] == sample["occurred_at"]
    assert bodies[sample["event_id"]]["tenant_id"] == tenant["id"]
    assert all(headers["PenguinMails-Event-Id"] in bodies for headers, _ in receiver.requests)


def test_a_replay_across_the_logs_border_delivers_each_event_once(api, aws, clock, receiver):
    tenant, key = api.new_tenant()
    hook = _hook(api, key, receiver.url)
    replay_at = clock.now() + timedelta(minutes=5)  # when the job starts: its border
    border = replay_at - LOG_BORDER
    days = (9, 8, 6.5, 6.25)  # older than the border: the archive's part
    times = [_ago(clock, d) for d in days] + [iso(border - timedelta(milliseconds=1))]
    times += [iso(border), iso(border + timedelta(milliseconds=1))]
    times += [_ago(clock, d) for d in (5, 2, 0.5)] + [_ago(clock, 0, -60)]
    events = [_event(tenant["id"], at, n) for n, at in enumerate(times)]
    # every event lands in the files; the stream's dispatcher logged (and sent) the last 7 days'
    _store(aws, events)
    recent = [e for e in events if e["occurred_at"] >= _ago(clock, 7)]
    assert len(recent) == len(events) - 2
    webhook_dispatcher.handler(_kinesis(recent), None)
    _send_all(aws, clock)
    live = len(receiver.requests)
    assert live == len(recent) and clock.now() < replay_at
    clock.moment = replay_at
    # when the last ten days are replayed
    job = _replay(api, aws, clock, key, hook, _ago(clock, 10), clock.now_iso())
    # then each event came once: the archive's up to the border, the log's from it on
    replayed = _received(receiver, live)
    assert Counter(replayed) == Counter(e["event_id"] for e in events)
    assert job["status"] == "completed"
    assert job["progress"] == {"total": len(events), "done": len(events)}
