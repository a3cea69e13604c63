"""Suppressions are looked up in batches: one ``suppressed_among`` per enrolment chunk and
one per scheduler round, never one per contact; a suppressed contact is still skipped at
enrolment and stopped before its next step."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.campaigns.service import enrolment, scheduler
from tests.unit.campaigns.world import CTX, TENANT, ready, sent_by_step


def test_enrolment_looks_suppressions_up_once_per_chunk_of_active_contacts():
    # given 250 fresh contacts, one suppressed and one bounced, none enrolled yet
    w, campaign = ready(0)
    people = w.contacts.add(TENANT, 250)
    w.sender.suppressed.add(people[120].email)
    w.contacts.set_status(TENANT, people[7].contact_id, "bounced", "x", w.clock.now_iso())

    # when they are enrolled by id
    ids = [p.contact_id for p in people]
    report = enrolment.enrol(w.ports, CTX, campaign.campaign_id, ids, [])

    # then three look-ups (chunks of 100), of the active contacts only, and both skipped
    assert [len(c) for c in w.sender.suppression_checks] == [99, 100, 50]
    assert people[7].email not in w.sender.suppression_checks[0]
    assert report.to_public() == {
        "enrolled": 248,
        "already_enrolled": 0,
        "skipped_suppressed": 1,
        "skipped_inactive": 1,
    }


def test_the_scheduler_looks_suppressions_up_once_per_round_and_stops_the_suppressed():
    # given step 1 sent to 12 contacts, then one of them suppressed and one unsubscribed
    w, campaign = ready(12)
    scheduler.run(w.ports)
    first = sorted(sent_by_step(w)[1], key=lambda s: s.campaign.contact_id)
    w.sender.suppressed.add(first[0].to)
    gone = first[1].campaign.contact_id
    w.contacts.set_status(TENANT, gone, "unsubscribed", "manual", w.clock.now_iso())
    w.sender.suppression_checks.clear()
    w.clock.moment += timedelta(hours=48)

    # when the follow-ups are due
    report = scheduler.run(w.ports)

    # then one look-up for the round's 11 active contacts; the suppressed one is stopped
    assert [len(c) for c in w.sender.suppression_checks] == [11]
    assert report.queued == 10
    stopped = {
        e.contact_id: e.stop_reason for e in w.enrolments.items.values() if e.status == "stopped"
    }
    assert stopped == {first[0].campaign.contact_id: "suppressed", gone: "contact_unsubscribed"}
