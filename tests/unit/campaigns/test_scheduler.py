"""The scheduler over the campaigns twins: step 1 to everyone spread over the mailboxes,
nothing outside the window, mailbox caps carried to the next day, follow-ups threaded from
the same mailbox, idempotent reruns and overlapping runs, a reply stopping the sequence
before step 2, and completion."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from chalicelib.campaigns.model import ACTIVE, Enrolment
from chalicelib.campaigns.service import reactions, scheduler
from tests.fakes.campaigns import FakeEnrolmentStore
from tests.unit.campaigns.world import MAILBOXES, TENANT, ready, sent_by_step


def test_step_one_goes_to_everyone_spread_over_the_mailboxes():
    w, campaign = ready(30)

    report = scheduler.run(w.ports)

    assert report.queued == 30
    by_mailbox = Counter(s.mailbox_id for s in w.sender.sent.values())
    assert by_mailbox == {m: 10 for m in MAILBOXES}
    first = next(iter(w.sender.sent.values()))
    assert first.subject == "Hi {{ first_name }}" and first.in_reply_to is None
    assert first.variables["first_name"] == "Ann"
    progress = w.enrolments.progress(TENANT, campaign.campaign_id)
    assert progress["s1:queued"] == 30 and progress["s2:waiting"] == 30
    assert progress.get("s1:waiting", 0) == 0


def test_nothing_goes_outside_the_window_and_the_contact_waits_for_its_opening():
    w, campaign = ready(3)
    w.clock.moment = w.clock.moment.replace(hour=20)  # Tuesday 20:00 UTC

    report = scheduler.run(w.ports)

    assert report.queued == 0 and report.deferred == 3 and not w.sender.sent
    due = {e.due_at for e in w.enrolments.items.values()}
    assert due == {"2026-12-02T09:00:00.000Z"}
    w.clock.moment = w.clock.moment.replace(day=2, hour=9, minute=1)
    assert scheduler.run(w.ports).queued == 3


def test_a_daily_cap_carries_the_rest_to_the_next_days_window():
    w, campaign = ready(30)
    w.sender.remaining = dict.fromkeys(MAILBOXES, 5)

    first = scheduler.run(w.ports)
    again = scheduler.run(w.ports)  # the same day: the 15 allocated are still in flight

    assert first.queued == 15 and again.queued == 0
    assert Counter(s.mailbox_id for s in w.sender.sent.values()) == dict.fromkeys(MAILBOXES, 5)
    waiting = [e for e in w.enrolments.items.values() if e.last_step == 0]
    assert {e.due_at for e in waiting} == {"2026-12-02T00:00:00.000Z"}
    w.clock.moment += timedelta(days=1)  # Wednesday 09:30
    assert scheduler.run(w.ports).queued == 15
    assert len(sent_by_step(w)[1]) == 30


def test_a_campaign_daily_limit_holds_across_runs():
    w, _ = ready(10, daily_limit=4)

    assert scheduler.run(w.ports).queued == 4
    assert scheduler.run(w.ports).queued == 0
    w.clock.moment += timedelta(days=1)
    assert scheduler.run(w.ports).queued == 4


def test_a_follow_up_is_threaded_from_the_same_mailbox_after_the_wait():
    w, _ = ready(6)
    scheduler.run(w.ports)
    w.clock.moment += timedelta(hours=47)
    assert scheduler.run(w.ports).queued == 0  # the wait is not over
    w.clock.moment += timedelta(hours=1)

    assert scheduler.run(w.ports).queued == 6

    steps = sent_by_step(w)
    for second in steps[2]:
        first = next(s for s in steps[1] if s.campaign.enrolment_id == second.campaign.enrolment_id)
        assert second.mailbox_id == first.mailbox_id
        assert second.subject == "Re: Hi {{ first_name }}"
        rfc = w.sender.rfc_message_id(first.message_id, "x@outreach.test")
        assert second.in_reply_to == rfc and second.references == (rfc,)


def test_a_sticky_mailbox_without_capacity_makes_its_contacts_wait_for_it():
    w, _ = ready(6)
    scheduler.run(w.ports)
    w.clock.moment += timedelta(hours=48)
    w.sender.remaining = {MAILBOXES[0]: 0, MAILBOXES[1]: 100, MAILBOXES[2]: 100}

    scheduler.run(w.ports)

    second = sent_by_step(w).get(2, [])
    assert len(second) == 4 and all(s.mailbox_id != MAILBOXES[0] for s in second)


class CrashingAdvance(FakeEnrolmentStore):
    """Crashes (once) after the email was enqueued, before the enrolment moved on."""

    def __init__(self) -> None:
        super().__init__()
        self.crash = True

    def advance(self, before, after, counts):
        if self.crash and after.last_step > before.last_step:
            self.crash = False
            raise RuntimeError("the run died here")
        return super().advance(before, after, counts)


def test_a_rerun_after_a_crash_enqueues_nothing_twice():
    w, campaign = ready(0)
    crashing = CrashingAdvance()
    w.ports.enrolments = w.enrolments = crashing
    people = w.contacts.add(TENANT, 2)
    from chalicelib.campaigns.service import enrolment
    from tests.unit.campaigns.world import CTX

    enrolment.enrol(w.ports, CTX, campaign.campaign_id, [p.contact_id for p in people], [])
    try:
        scheduler.run(w.ports)
    except RuntimeError:
        pass
    assert len(w.sender.sent) == 2
    scheduler.run(w.ports)  # the leased one waits for its lease
    w.clock.moment += timedelta(seconds=scheduler.LEASE_SECONDS + 1)

    scheduler.run(w.ports)

    assert len(w.sender.sent) == 2  # the same message ids: nothing created twice
    assert all(e.last_step == 1 for e in crashing.items.values())
    assert crashing.progress(TENANT, campaign.campaign_id)["s1:queued"] == 2


class OverlappingRun(FakeEnrolmentStore):
    """A second scheduler run starts (and finishes) while the first is about to lease."""

    def __init__(self, ports_ref: list) -> None:
        super().__init__()
        self.ports_ref = ports_ref
        self.nested = False

    def lease(self, enrolment, until, now, mailbox_id):
        if not self.nested:
            self.nested = True
            scheduler.run(self.ports_ref[0])
        return super().lease(enrolment, until, now, mailbox_id)


def test_two_overlapping_runs_never_both_enqueue_an_enrolment():
    w, campaign = ready(0)
    ports_ref: list = []
    store = OverlappingRun(ports_ref)
    w.ports.enrolments = w.enrolments = store
    ports_ref.append(w.ports)
    from chalicelib.campaigns.service import enrolment
    from tests.unit.campaigns.world import CTX

    people = w.contacts.add(TENANT, 5)
    enrolment.enrol(w.ports, CTX, campaign.campaign_id, [p.contact_id for p in people], [])

    scheduler.run(w.ports)

    enqueued = [s.message_id for call in w.sender.calls for s in call]
    assert len(enqueued) == 5 == len(set(enqueued))
    assert store.progress(TENANT, campaign.campaign_id)["s1:queued"] == 5


def _event(w, send, kind: str, **extra) -> dict:
    link = send.campaign
    return {
        "event_id": f"evt_{kind}{link.enrolment_id[-6:]}{link.step}",
        "type": f"message.{kind}",
        "tenant_id": TENANT,
        "occurred_at": w.clock.now_iso(),
        "schema_version": 1,
        "message_id": send.message_id,
        "campaign_id": link.campaign_id,
        "enrolment_id": link.enrolment_id,
        "contact_id": link.contact_id,
        "step": link.step,
        "variant": link.variant,
        **extra,
    }


def test_a_reply_before_step_two_stops_the_sequence_and_the_campaign_completes():
    w, campaign = ready(3)
    scheduler.run(w.ports)
    replier = sent_by_step(w)[1][0]
    reactions.react_many(w.ports, [_event(w, replier, "replied")])
    w.clock.moment += timedelta(hours=48)

    scheduler.run(w.ports)

    second = {s.campaign.contact_id for s in sent_by_step(w)[2]}
    assert replier.campaign.contact_id not in second and len(second) == 2
    assert w.contacts.statuses == [(replier.campaign.contact_id, "replied", "replied")]
    assert w.campaigns.get(TENANT, campaign.campaign_id).status == "completed"
    progress = w.enrolments.progress(TENANT, campaign.campaign_id)
    assert (progress["finished"], progress["stopped"], progress["s1:replied"]) == (3, 1, 1)
    assert progress["s2:queued"] == 2 and progress.get("s2:waiting", 0) == 0


def test_an_inactive_contact_is_stopped_before_its_next_step():
    w, campaign = ready(2)
    scheduler.run(w.ports)
    gone = sent_by_step(w)[1][0].campaign.contact_id
    w.contacts.set_status(TENANT, gone, "unsubscribed", "manual", w.clock.now_iso())
    w.clock.moment += timedelta(hours=48)

    scheduler.run(w.ports)

    assert [s.campaign.contact_id for s in sent_by_step(w)[2]] != [gone]
    stopped = [e for e in w.enrolments.items.values() if e.contact_id == gone][0]
    assert (stopped.status, stopped.stop_reason) == ("stopped", "contact_unsubscribed")


def test_a_scheduled_campaign_starts_when_its_time_comes():
    w, campaign = ready(0)
    w.campaigns.items[(TENANT, campaign.campaign_id)] = _as_scheduled(campaign, w)

    scheduler.run(w.ports)
    assert w.campaigns.get(TENANT, campaign.campaign_id).status == "scheduled"
    w.clock.moment += timedelta(hours=2)
    scheduler.run(w.ports)
    assert w.campaigns.get(TENANT, campaign.campaign_id).status == "sending"


def _as_scheduled(campaign, w):
    from dataclasses import replace

    start = (w.clock.moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return replace(campaign, status="scheduled", settings={**campaign.settings, "start_at": start})


def test_a_paused_campaign_sends_nothing():
    from chalicelib.campaigns.service import campaigns
    from tests.unit.campaigns.world import CTX

    w, campaign = ready(3)
    campaigns.act(w.ports, CTX, campaign.campaign_id, "pause")

    assert scheduler.run(w.ports).queued == 0
    assert all(isinstance(e, Enrolment) and e.status == ACTIVE for e in w.enrolments.items.values())
