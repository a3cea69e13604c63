"""What a scheduler run reads: a campaign with nothing due costs its due queries only (no
capacity, no mailbox addresses)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.campaigns.service import scheduler
from tests.unit.campaigns.world import ready


def test_a_run_with_nothing_due_reads_no_capacity():
    # given step 1 sent to everyone, step 2 two days away
    w, _ = ready(6)
    scheduler.run(w.ports)
    reads = w.sender.capacity_reads

    # when the scheduler runs again an hour later
    w.clock.moment += timedelta(hours=1)
    report = scheduler.run(w.ports)

    # then nothing moved and capacity was not read again
    assert (report.campaigns, report.queued, report.deferred) == (1, 0, 0)
    assert w.sender.capacity_reads == reads == 1
