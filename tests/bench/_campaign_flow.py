"""The campaigns bench's core: the world (``_campaign_world``), then three measured phases,
each under the meter (``_campaign_meter``) with its wall time:

- ``contacts``: the contacts created as an import creates them;
- ``enrol``: a campaign of two email steps with a wait between them, its list enrolled;
- ``schedule``: the scheduler run again and again on the injected clock until every
  enrolment has had both steps enqueued (or finished).

``run`` needs the template's stack in moto and the environment pointing at it (the bench's
``main`` and the functional smoke test provide both).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from tests.bench._aws_meter import metering
from tests.bench._campaign_meter import CampaignMeter, IndexedTables
from tests.bench._campaign_world import World, import_contacts, make_world

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

PHASES = ("contacts", "enrol", "schedule", "idle")
STEPS = 2  # email steps of the bench's campaign
WAIT = {"business_days": 2}
WINDOW = {
    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
    "start": "09:00",
    "end": "17:00",
    "time_zone": "UTC",
}
RATE_SECONDS = 60  # the scheduler's schedule in the template: rate(1 minute)
IDLE_STEP = timedelta(minutes=30)
MAX_DAYS = 30


@dataclass
class Run:
    contacts: int
    mailboxes: int
    created: int = 0
    enrolled: int = 0
    scheduled: int = 0  # (recipient, step) pairs enqueued
    finished: int = 0  # enrolments the scheduler finished or stopped without an email
    scheduler_runs: int = 0
    idle_runs: int = 0  # runs that enqueued nothing
    seconds: dict[str, float] = field(default_factory=dict)
    clock_span: tuple[datetime, datetime] | None = None
    flow: str = ""  # what the schedule phase ran
    progress: dict[str, Any] = field(default_factory=dict)  # the campaign's, from its route


@dataclass(frozen=True)
class Shape:
    """The campaign's wait between its emails and its sending window."""

    wait: dict[str, int] = field(default_factory=lambda: dict(WAIT))
    window: dict[str, Any] = field(default_factory=lambda: dict(WINDOW))


def logical_tables() -> dict[str, str]:
    from chalicelib.core.settings import settings
    from tests.bench._aws_platform import template

    return {
        settings().table(name): name
        for name, resource in template()["Resources"].items()
        if resource["Type"] == "AWS::DynamoDB::Table"
    }


def meter_clients() -> list[Any]:
    """The shared clients the wiring hands out (PynamoDB's models use the DynamoDB one)."""
    from chalicelib.core import wiring

    names = ("dynamodb", "dynamodb_quick", "sqs", "s3", "kinesis", "secretsmanager")
    return [wiring.get("aws." + name)().built() for name in names]


def phase(meter: CampaignMeter, run: Run, name: str, work: Callable[[], Any]) -> Any:
    meter.phase = name
    started = time.perf_counter()
    try:
        return work()
    finally:
        run.seconds[name] = run.seconds.get(name, 0.0) + time.perf_counter() - started
        meter.phase = "setup"


def run(
    client: Any,
    admin_key: str,
    contacts: int,
    mailboxes: int = 50,
    daily_limit: int = 2000,
    shape: Shape | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Run, CampaignMeter, World]:
    say = progress or (lambda _: None)
    world = make_world(client, admin_key, mailboxes, daily_limit)
    outcome = Run(contacts, mailboxes)
    meter = CampaignMeter(IndexedTables(logical_tables()), world.clock.now)
    with metering(meter, meter_clients()):
        say(f"importing {contacts:,} contacts")
        imported = phase(meter, outcome, "contacts", lambda: import_contacts(world, contacts))
        outcome.created = imported
        started = world.clock.now()
        say("enrolling and scheduling")
        _campaign(meter, outcome, world, shape or Shape(), say)
        outcome.clock_span = (started, world.clock.now())
    return outcome, meter, world


def _campaign(
    meter: CampaignMeter, outcome: Run, world: World, shape: Shape, say: Callable[[str], None]
) -> None:
    body = campaign_body(world, shape.wait, shape.window)
    campaign_id = world.post("/v1/campaigns", body)["id"]
    path = f"/v1/campaigns/{campaign_id}"

    def enrol() -> None:
        reply = world.post(path + "/enrol", {"list_ids": [world.list_id]}, status=200)
        outcome.enrolled = reply["enrolled"]
        world.post(path + "/start", None, status=200)

    phase(meter, outcome, "enrol", enrol)
    outcome.flow = "the campaign_scheduler function's handler (campaigns.run_scheduler)"
    say(f"{outcome.enrolled:,} enrolled; scheduling")
    schedule(meter, outcome, world, say)
    outcome.progress = world.get(path)["progress"]


def campaign_body(world: World, wait: dict[str, int], window: dict[str, Any]) -> dict[str, Any]:
    """Two email steps (the second a threaded follow-up) ``wait`` apart, every mailbox in
    the rotation, the sending ``window`` in the contact's zone (else the window's)."""
    return {
        "name": "Bench sequence",
        "steps": [
            {
                "type": "email",
                "subject": "Hello {{ first_name }}",
                "html": "<p>Hi {{ first_name }}, a word about {{ company }}.</p>",
            },
            {"type": "wait", **wait},
            {"type": "email", "html": "<p>Following up, {{ first_name }}.</p>"},
        ],
        "settings": {
            "mailbox_ids": world.mailbox_ids,
            "window": window,
        },
    }


def schedule(meter: CampaignMeter, outcome: Run, world: World, say: Callable[[str], None]) -> None:
    """The scheduler's handler, run after run: a run that moved something is followed by the
    next a minute later (its schedule's rate), one that moved nothing by the next
    ``IDLE_STEP`` later; until both steps of every enrolment are enqueued or finished, the
    campaign is completed, or ``MAX_DAYS`` of the injected clock have passed."""
    from functions.campaign_scheduler import handler
    from tests.bench._quiet import discard_stdout

    deadline = world.clock.now() + timedelta(days=MAX_DAYS)
    finished = 0
    while world.clock.now() < deadline:
        with discard_stdout():
            report = phase(meter, outcome, "run", lambda: handler({"source": "aws.events"}, None))
        moved = report["queued"] + report["deferred"] + report["finished"]
        meter.rename_phase("run", "schedule" if moved else "idle")
        outcome.scheduler_runs += 1
        outcome.idle_runs += not moved
        outcome.scheduled += report["queued"]
        finished += report["finished"]
        if outcome.scheduler_runs % 25 == 0:
            at = f"{world.clock.now():%a %H:%M}"
            say(f"{outcome.scheduler_runs} runs, {outcome.scheduled:,} scheduled, clock {at}")
        if report["completed"] or outcome.scheduled + finished >= STEPS * outcome.enrolled:
            break
        world.clock.advance(RATE_SECONDS if moved else IDLE_STEP.total_seconds())
    outcome.finished = finished
    outcome.seconds["schedule"] = outcome.seconds.pop("run", 0.0)
