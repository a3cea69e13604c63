"""The event consumer in-process over moto: events per second through
``functions.event_consumer.handler`` (Kinesis batches of 100: a campaign's mix of sends,
human and machine opens and human clicks, 25 messages a batch, each message stored with its
campaign link so the counters enrich from its facts), and the DynamoDB requests it makes per
consumed event, by operation (counted by botocore ``before-call``/``after-call`` hooks on the
session every client is built from, which also time the requests: moto's own work, mostly
its TransactWriteItems, is most of the consumer's time, so the rate without it is printed
too: the code's own cost).

Floor, measured in the same run over the same batches: decoding and parsing every record
and one ``UpdateItem`` on the counters table per batch (the least a counting consumer can
do). ``x floor`` divides the consumer's events per second by the floor's. moto answers
in-process, so the figures are the code's own cost plus moto's, not AWS's latency.

Then the dashboard: the DynamoDB requests each analytics view of the API makes over the
counters just written (goal: at most 5 a view), by operation, with the ownership check a
campaign-, mailbox- or domain-scoped view adds (measured on a well-formed id the tenant does
not have). The request's authentication is not counted.

Run: ``python -m tests.bench.analytics_consumer [--events N]`` (``make bench`` runs every
bench module). Prints only; never asserts on time.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

BATCH = 100
PER_MESSAGE = 4  # sent, opened (human), opened (machine), clicked (human)
DAY = "2026-11-28"
MAILBOX = {"id": "mbx_bench", "domain_id": "dom_bench", "email": "a@bench.test"}


class Context:
    aws_request_id = "req-bench"
    function_name = "event_consumer"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class Requests:
    """DynamoDB requests by operation and the time inside them, from the session's
    ``before-call`` and ``after-call`` events (the handlers call one at a time)."""

    by_operation: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    _started: float = 0.0

    def before(self, model: Any, **_: Any) -> None:
        self.by_operation[model.name] += 1
        self._started = time.perf_counter()

    def after(self, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._started

    def clear(self) -> None:
        self.by_operation.clear()
        self.seconds = 0.0

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())


@dataclass(frozen=True)
class Figure:
    name: str
    events: int
    seconds: float
    requests: Counter[str]
    in_requests: float  # seconds inside DynamoDB requests (moto's work here)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def own_rate(self) -> float:
        own = self.seconds - self.in_requests
        return self.events / own if own > 0 else 0.0


def message_events(tenant_id: str, message_id: str, to: str, minute: int) -> list[dict[str, Any]]:
    """A message's sent event, then two opens (a person, a machine) and a person's click."""
    from chalicelib.core.events import new_event

    at = f"{DAY}T{9 + minute // 60:02d}:{minute % 60:02d}:00.000Z"
    hit = {"reason": "r", "user_agent": "ua", "ip": "192.0.2.1", "method": "GET"}
    sent = new_event(
        "message.sent",
        tenant_id,
        at,
        message_id=message_id,
        mailbox_id=MAILBOX["id"],
        to=to,
        attempt=1,
        smtp_code=250,
    )
    return [
        sent,
        new_event("message.opened", tenant_id, at, message_id=message_id, actor="human", **hit),
        new_event("message.opened", tenant_id, at, message_id=message_id, actor="machine", **hit),
        new_event(
            "message.clicked",
            tenant_id,
            at,
            message_id=message_id,
            actor="human",
            link_index=0,
            url="https://example.com/",
            **hit,
        ),
    ]


def batches(tenant_id: str, events: int) -> list[dict[str, Any]]:
    """Kinesis events of ``BATCH`` records, the messages stored first with their campaign."""
    from chalicelib.sending.rules.messages import CampaignLink
    from tests.functional.outbox import kinesis_batch
    from tests.functional.worlds import stored_message

    found: list[dict[str, Any]] = []
    messages = max(1, events // PER_MESSAGE)
    for n in range(messages):
        link = CampaignLink("cmp_bench", f"enr_{n}", f"con_{n}", 1 + n % 3, "ab"[n % 2])
        to = f"p{n}@{('gmail.com', 'outlook.com', 'corp.test')[n % 3]}"
        message = stored_message(tenant_id, MAILBOX, to=to, campaign=link)
        found += message_events(tenant_id, message.message_id, to, n % 600)
    return [kinesis_batch(found[i : i + BATCH]) for i in range(0, len(found), BATCH)]


def floor_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Decode and parse every record, one counter update per batch."""
    from chalicelib.core import wiring
    from chalicelib.core.settings import settings

    parsed = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
    wiring.get("aws.dynamodb")().update_item(
        TableName=settings().table("CountersTable"),
        Key={"tenant_id": {"S": parsed[0]["tenant_id"]}, "sk": {"S": "bench#floor"}},
        UpdateExpression="ADD events :n",
        ExpressionAttributeValues={":n": {"N": str(len(parsed))}},
    )
    return {"batchItemFailures": []}


def run(name: str, handler: Any, work: list[dict[str, Any]], requests: Requests) -> Figure:
    from tests.bench._quiet import discard_stdout

    requests.clear()
    events = sum(len(b["Records"]) for b in work)
    with discard_stdout():  # log and EMF lines, not ours to time
        started = time.perf_counter()
        for batch in work:
            reply = handler(batch, Context())
            if reply.get("batchItemFailures"):
                raise RuntimeError(f"{name}: {reply}")
        seconds = time.perf_counter() - started
    return Figure(name, events, seconds, Counter(requests.by_operation), requests.seconds)


def report(figures: list[Figure]) -> None:
    floor = figures[0]
    head = ("events", "ev/s", "x floor", "own ev/s", "x floor", "ddb req/ev")
    print(f"{'handler':<44}" + "".join(f"{h:>11}" for h in head))
    for f in figures:
        per_event = sum(f.requests.values()) / f.events
        ratio = f.rate / floor.rate if floor.rate else 0.0
        own = f.own_rate / floor.own_rate if floor.own_rate else 0.0
        print(
            f"{f.name:<44}{f.events:>11}{f.rate:>11.0f}{ratio:>11.3f}"
            f"{f.own_rate:>11.0f}{own:>11.3f}{per_event:>11.3f}"
        )
    print("own ev/s: events / (wall time - time inside DynamoDB requests, i.e. moto's work)")
    for f in figures:
        ops = ", ".join(
            f"{op} {n / f.events:.3f}"
            for op, n in sorted(f.requests.items(), key=lambda kv: -kv[1])
        )
        print(f"  {f.name}: DynamoDB requests per event by operation: {ops}")


def measure(
    events: int, tenant_id: str | None = None, requests: Requests | None = None
) -> list[Figure]:
    """The floor and the consumer over the same batches (of ``tenant_id``, a fresh one by
    default), then the consumer over them again (a redelivery: nothing counted twice), after
    a warm-up batch of another tenant."""
    from chalicelib.core import ids, wiring
    from functions import event_consumer
    from tests.fakes.analytics import FakeProviders

    wiring.override("analytics.providers", FakeProviders())
    requests = requests or Requests()
    emitter = wiring.get("aws.session")().events
    emitter.register("before-call.dynamodb", requests.before)
    emitter.register("after-call.dynamodb", requests.after)
    warm = batches(ids.new_id("ten"), BATCH)
    run("warm-up", event_consumer.handler, warm, requests)
    work = batches(tenant_id or ids.new_id("ten"), events)
    floor = run("floor: decode + parse, 1 UpdateItem/batch", floor_handler, work, requests)
    consumer = run("functions.event_consumer.handler", event_consumer.handler, work, requests)
    again = run("event_consumer, the same batches again", event_consumer.handler, work, requests)
    return [floor, consumer, again]


VIEW_GOAL = 5


def dashboard_views(tenant_id: str, requests: Requests) -> None:
    """Each analytics view over ``tenant_id``'s counters: its DynamoDB requests, by operation."""
    import app  # noqa: F401 - the deployed app registers who owns campaigns, mailboxes, domains
    from chalicelib.analytics import wiring as analytics
    from chalicelib.analytics.rules.ranges import DayRange
    from chalicelib.analytics.service import dashboard, owners
    from chalicelib.core import ids
    from chalicelib.core.errors import NotFound

    reads, month = analytics.reads(), DayRange("2026-11-01", "2026-11-30")
    scope = f"mailbox:{MAILBOX['id']}"
    views: dict[str, Any] = {
        "overview, 30 days": lambda: dashboard.overview(reads, tenant_id, month),
        "timeseries by day, a mailbox, 30 days": lambda: dashboard.timeseries(
            reads, tenant_id, scope, "open_rate", "day", month
        ),
        "timeseries by week, the tenant, 30 days": lambda: dashboard.timeseries(
            reads, tenant_id, "tenant", "sent", "week", month
        ),
        "campaign, per step and variant": lambda: dashboard.campaign(reads, tenant_id, "cmp_bench"),
        "deliverability, 30 days": lambda: dashboard.deliverability(reads, tenant_id, month),
        "heatmap, 30 days": lambda: dashboard.heatmap(reads, tenant_id, month),
    }
    print(f"\ndashboard views over these counters (goal: at most {VIEW_GOAL} DynamoDB requests)")
    worst = 0
    for name, view in views.items():
        requests.clear()
        shown = view()
        worst = max(worst, requests.total)
        ops = ", ".join(f"{op} {n}" for op, n in sorted(requests.by_operation.items()))
        print(f"  {name:<42}{requests.total:>3} requests ({ops}){_gist(shown)}")
    requests.clear()
    try:
        owners.require_owned(tenant_id, "campaign", ids.new_id("cmp"), "campaign_id")
    except NotFound:
        pass
    owner_check = requests.total
    verdict = "met" if worst + owner_check <= VIEW_GOAL else "MISSED"
    print(
        f"  + the ownership check of a scoped view: {owner_check} request(s); worst view "
        f"{worst + owner_check} of {VIEW_GOAL}: {verdict}"
    )


def _gist(shown: dict[str, Any]) -> str:
    """A figure from the view, to show it read the counters."""
    if "counts" in shown:
        return f"; sent {shown['counts']['sent']}, human opens {shown['counts']['opens_human']}"
    if "points" in shown:
        busy = sum(1 for p in shown["points"] if p["value"])
        return f"; {len(shown['points'])} points, {busy} non-zero"
    if "opens" in shown:
        return f"; {sum(map(sum, shown['opens']))} human opens in the grid"
    if "mailboxes" in shown:
        return f"; {len(shown['mailboxes'])} mailbox(es), {len(shown['providers'])} providers"
    return ""


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.analytics_consumer")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=1, help="accepted for make bench; unused")
    events = parser.parse_known_args(argv)[0].events
    os.environ.update({"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"})
    from moto import mock_aws

    from chalicelib.core import wiring
    from chalicelib.core.settings import reset_settings
    from tests.functional.conftest import _deploy, environment

    os.environ.pop("AWS_ENDPOINT_URL", None)  # moto in-process, not a server
    with mock_aws():
        os.environ.update({**environment(_deploy("us-east-1")), "POWERTOOLS_LOG_LEVEL": "ERROR"})
        reset_settings()
        wiring.reset()
        print(
            f"event consumer in-process over moto: {events} events in batches of {BATCH} "
            f"(per message: sent, human open, machine open, human click), a floor first"
        )
        from chalicelib.core import ids

        tenant_id = ids.new_id("ten")
        requests = Requests()
        report(measure(events, tenant_id, requests))
        dashboard_views(tenant_id, requests)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
