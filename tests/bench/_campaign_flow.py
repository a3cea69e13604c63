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
from typing import TYPE_CHECKING, Any

from tests.bench._aws_meter import metering
from tests.bench._campaign_meter import CampaignMeter, IndexedTables
from tests.bench._campaign_world import World, import_contacts, make_world

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

PHASES = ("contacts", "enrol", "schedule")
STEPS = 2  # email steps of the bench's campaign


@dataclass
class Run:
    contacts: int
    mailboxes: int
    created: int = 0
    enrolled: int = 0
    scheduled: int = 0  # (recipient, step) pairs enqueued or finished
    scheduler_runs: int = 0
    idle_runs: int = 0  # runs that enqueued nothing
    seconds: dict[str, float] = field(default_factory=dict)
    clock_span: tuple[datetime, datetime] | None = None
    flow: str = ""  # what the schedule phase ran


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
        _campaign(meter, outcome, world)
        outcome.clock_span = (started, world.clock.now())
    return outcome, meter, world


def _campaign(meter: CampaignMeter, outcome: Run, world: World) -> None:
    """Until the campaigns feature is merged: its scheduler stands in as what it will call,
    ``sending.enqueue_campaign``, for both steps of every contact in batches, each contact
    enrolled in name only (its enrolment id)."""
    from chalicelib import sending

    outcome.flow = "stand-in: sending.enqueue_campaign per step, no campaigns code yet"
    outcome.enrolled = len(world.contact_ids)
    enqueue = sending.enqueue_campaign
    for step in range(1, STEPS + 1):
        for start in range(0, len(world.contact_ids), 100):
            batch = world.contact_ids[start : start + 100]
            sends = [_send(world, n + start, contact, step) for n, contact in enumerate(batch)]
            phase(
                meter,
                outcome,
                "schedule",
                lambda s=sends: enqueue(world.tenant_id, "enterprise", s),
            )
            outcome.scheduled += len(sends)
            outcome.scheduler_runs += 1
        world.clock.advance(2 * 86400)


def _send(world: World, n: int, contact_id: str, step: int) -> Any:
    from chalicelib import sending

    enrolment = f"enr_{contact_id[4:]}"
    return sending.CampaignSend(
        message_id=sending.campaign_message_id(enrolment, step),
        mailbox_id=world.mailbox_ids[n % len(world.mailbox_ids)],
        to=f"prospect{n}@company{n % 997}.example",
        subject="Hello {{ first_name }}" if step == 1 else "Re: Hello {{ first_name }}",
        html="<p>Hi {{ first_name }}</p>",
        text=None,
        variables={"first_name": f"First{n}"},
        campaign=sending.CampaignLink("cmp_bench", enrolment, contact_id, step, None),
    )
