"""A person's data in campaigns over the twins: the export lists their enrolments with
their campaigns; the erasure deletes them, leaves what the counters counted, counts an
active one as stopped so its campaign can still complete, survives an enrolment the
scheduler moved meanwhile, and deletes nothing more when run again."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.campaigns.service import campaigns, enrolment, privacy, scheduler
from tests.fakes.campaigns import FakeEnrolmentStore
from tests.unit.campaigns.world import CTX, TENANT, ready, sent_by_step, settings, steps


def test_the_export_lists_every_enrolment_of_the_person_with_its_campaign():
    w, first = ready(2)
    scheduler.run(w.ports)
    person = sent_by_step(w)[1][0].campaign.contact_id
    second = campaigns.create(w.ports, CTX, "Second", steps(), settings())
    enrolment.enrol(w.ports, CTX, second.campaign_id, [person], [])

    exported = privacy.export(w.ports, TENANT, person)

    by_campaign = {e["campaign_id"]: e for e in exported}
    assert set(by_campaign) == {first.campaign_id, second.campaign_id}
    sent, waiting = by_campaign[first.campaign_id], by_campaign[second.campaign_id]
    assert (sent["campaign_name"], sent["step"], sent["status"]) == ("Outreach", 1, "active")
    assert sent["contact_id"] == person and sent["next_send_at"] and sent["enrolled_at"]
    assert (waiting["campaign_name"], waiting["step"]) == ("Second", 0)
    assert privacy.export(w.ports, "ten_" + "z" * 20, person) == []  # another tenant's


def test_erasure_deletes_the_enrolments_keeps_the_counts_and_the_campaign_completes():
    w, campaign = ready(2)
    scheduler.run(w.ports)
    person, other = (s.campaign.contact_id for s in sent_by_step(w)[1])
    before = w.enrolments.progress(TENANT, campaign.campaign_id)

    assert privacy.erase(w.ports, TENANT, person) == 1
    assert privacy.erase(w.ports, TENANT, person) == 0  # run again: nothing more

    assert privacy.export(w.ports, TENANT, person) == []
    assert [e.contact_id for e in w.enrolments.items.values()] == [other]
    after = w.enrolments.progress(TENANT, campaign.campaign_id)
    assert after["s1:queued"] == before["s1:queued"] == 2 and after["enrolled"] == 2
    assert (after["finished"], after["stopped"], after["s2:waiting"]) == (1, 1, 1)
    w.clock.moment += timedelta(hours=48)
    scheduler.run(w.ports)
    assert [s.campaign.contact_id for s in sent_by_step(w)[2]] == [other]
    assert w.campaigns.get(TENANT, campaign.campaign_id).status == "completed"


class LeasedMeanwhile(FakeEnrolmentStore):
    """The scheduler leases the enrolment between the erasure's read and its delete."""

    def forget(self, enrolment, counts):
        stored = self.items[self._key(enrolment)]
        if stored.version == enrolment.version and not stored.lease_until:
            self.lease(stored, 10**10, 0, "mbx_x")
        return super().forget(enrolment, counts)


def test_an_enrolment_the_scheduler_moved_meanwhile_is_erased_as_stored():
    w, campaign = ready(1)
    leased = LeasedMeanwhile()
    leased.items, leased.counters = w.enrolments.items, w.enrolments.counters
    w.ports.enrolments = leased
    person = next(iter(leased.items.values())).contact_id

    assert privacy.erase(w.ports, TENANT, person) == 1

    assert leased.items == {}
    assert leased.progress(TENANT, campaign.campaign_id)["finished"] == 1
