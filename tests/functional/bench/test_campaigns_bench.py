"""The campaigns bench's core at a small size, so it cannot rot: every phase runs, and what
the meter counted agrees with what the emulator holds afterwards (item writes against items
stored, messages sent against the send queue's depth, requests by phase against requests in
all). Figures only: nothing here is about time."""

from __future__ import annotations

from tests.bench import campaigns
from tests.bench._campaign_flow import STEPS, Shape, run
from tests.bench._campaign_meter import hottest, item_writes
from tests.functional.conftest import ADMIN_KEY

CONTACTS = 40
EVERY_HOUR = {"weekdays": list(range(7)), "start": "00:00", "end": "23:59", "time_zone": "UTC"}
QUICK = Shape(wait={"hours": 1}, window=EVERY_HOUR)  # few scheduler runs: a fast test


def _stored(table: str, partition: str) -> int:
    """Items moto holds under one partition key (read from its backend: no request)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.core.settings import settings

    found = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table(settings().table(table))
    return sum(len(v) for k, v in found.items.items() if k.value == partition)


def _queued(queue_url: str) -> int:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_queue(queue_url.rsplit("/", 1)[1])
    return len(queue._messages)


def _writes_to(meter, phase: str, table: str, partition: str) -> int:
    return sum(
        count
        for (p, _, where, pk), count in meter.writes.items()
        if p == phase and where == table and pk == partition
    )


def test_the_bench_counts_add_up(client, capsys):
    from chalicelib.core.settings import settings

    # given
    bulk = settings().send_bulk_queue_url
    queued_before = _queued(bulk)
    # when
    outcome, meter, world = run(client, ADMIN_KEY, CONTACTS, 3, 100, QUICK)
    # then every contact is created, enrolled and scheduled for each step
    assert (outcome.created, outcome.enrolled) == (CONTACTS, CONTACTS)
    assert outcome.scheduled == STEPS * CONTACTS
    assert outcome.progress["finished"] == CONTACTS
    assert [s["queued"] for s in outcome.progress["steps"]] == [CONTACTS] * STEPS
    # the import only creates: each item written to the tenant's contacts is stored once
    contacts_written = _writes_to(meter, "contacts", "ContactsTable", world.tenant_id)
    assert contacts_written == _stored("ContactsTable", world.tenant_id) - 1  # and the list
    # what the meter saw sent is what the send queue holds now: one message a send
    assert sum(meter.queued.values()) == _queued(bulk) - queued_before == STEPS * CONTACTS
    # every request belongs to a phase
    assert sum(sum(c.values()) for c in meter.requests.values()) == sum(meter.calls.values())
    hot = hottest(meter.writes, ("contacts",), world.tenant_id, 1)
    assert hot is not None and 0 < hot.writes <= hot.window_writes
    assert world.tenant_id not in hot.shape
    assert hot.window_writes <= item_writes(meter.writes, ("contacts",))
    # and the report prints the figures, Scans counted
    campaigns.report(outcome, meter, world.tenant_id, 1, 0.0)
    printed = capsys.readouterr().out
    assert "Scan requests: 0" in printed
    assert world.tenant_id not in printed
