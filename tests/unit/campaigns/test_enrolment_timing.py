"""A new enrolment is first due when the sending window next opens for its contact (in the
contact's zone when known, else the campaign's), so the scheduler spends no deferral write
on contacts enrolled outside the window; inside it they are due at once."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.campaigns.service import enrolment, scheduler
from tests.unit.campaigns.world import CTX, TENANT, ready

SATURDAY_NOON = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _enrol(w, campaign, people) -> dict[str, str | None]:
    ids = [p.contact_id for p in people]
    enrolment.enrol(w.ports, CTX, campaign.campaign_id, ids, [])
    return {e.contact_id: e.due_at for e in w.enrolments.items.values()}


def test_an_enrolment_made_outside_the_window_is_due_at_its_contacts_next_opening():
    # given a Monday-to-Friday 09:00-17:00 window, on a Saturday
    w, campaign = ready(0, at=SATURDAY_NOON)
    [london] = w.contacts.add(TENANT, 1)
    [new_york] = w.contacts.add(TENANT, 1, time_zone="America/New_York")
    [unknown] = w.contacts.add(TENANT, 1, time_zone="Mars/Olympus")

    # when they are enrolled
    due = _enrol(w, campaign, [london, new_york, unknown])

    # then each is due on Monday at 09:00 in its own zone (the campaign's, UTC, if unknown)
    assert due == {
        london.contact_id: "2026-12-07T09:00:00.000Z",
        new_york.contact_id: "2026-12-07T14:00:00.000Z",
        unknown.contact_id: "2026-12-07T09:00:00.000Z",
    }


def test_an_enrolment_made_inside_the_window_is_due_at_once():
    w, campaign = ready(0)  # Tuesday 09:30 UTC
    people = w.contacts.add(TENANT, 2)
    assert set(_enrol(w, campaign, people).values()) == {w.clock.now_iso()}


def test_the_scheduler_defers_nothing_enrolled_over_the_weekend():
    # given contacts enrolled on a Saturday
    w, campaign = ready(0, at=SATURDAY_NOON)
    _enrol(w, campaign, w.contacts.add(TENANT, 4))

    # when the scheduler runs over the weekend, then at Monday's opening
    idle = scheduler.run(w.ports)
    w.clock.moment = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    monday = scheduler.run(w.ports)

    # then nothing is read as due or deferred before, and all go at the opening
    assert (idle.queued, idle.deferred) == (0, 0)
    assert (monday.queued, monday.deferred) == (4, 0)
