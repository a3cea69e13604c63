"""The campaigns stores' contract, held by the twins (``tests.fakes.campaigns``) and the
DynamoDB adapters alike: conditional saves by version, the active listing, enrolments
written once with their counters, the due listing, leases only one run gets, advances and
flags conditional on what was read, enrolment pages, allocations, A/B winners recorded
once, a person's enrolments found across campaigns and deleted by version."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.campaigns import model
from chalicelib.core import ids
from tests.fakes.campaigns import FakeCampaignStore, FakeEnrolmentStore
from tests.functional.twins import TWINS, new_tenant, twin, walk

NOW = "2026-12-01T09:00:00.000Z"


@pytest.fixture(params=TWINS)
def campaigns(request):
    from chalicelib.campaigns import wiring

    return twin(request, FakeCampaignStore, lambda: wiring.store())


@pytest.fixture(params=TWINS)
def enrolments(request):
    from chalicelib.campaigns import wiring

    return twin(request, FakeEnrolmentStore, lambda: wiring.enrolments())


def _campaign(tenant_id: str, status: str = "draft") -> model.Campaign:
    steps = ({"type": "email", "subject": "Hi", "text": "x"},)
    return model.Campaign(
        tenant_id, ids.new_sortable_id("cmp"), "C", status, steps, {"mailbox_ids": []}, NOW, NOW
    )


def test_a_campaign_is_saved_only_over_the_version_read_and_listed_while_active(campaigns):
    tenant = new_tenant().tenant_id
    made = _campaign(tenant)
    campaigns.create(made)
    assert campaigns.get(tenant, made.campaign_id) == made
    sending = replace(made, status="sending")
    assert campaigns.save(sending, 0) and not campaigns.save(sending, 0)
    assert (tenant, made.campaign_id) in campaigns.active(1000)
    campaigns.raise_reached(tenant, made.campaign_id, 2)
    campaigns.raise_reached(tenant, made.campaign_id, 1)
    stored = campaigns.get(tenant, made.campaign_id)
    assert (stored.reached, stored.version) == (2, 2)
    assert campaigns.save(replace(stored, status="paused"), 2)
    assert (tenant, made.campaign_id) not in campaigns.active(1000)
    assert [c.campaign_id for c in campaigns.list(tenant, 10, None).items] == [made.campaign_id]


def test_a_change_with_events_is_refused_like_any_other_over_an_older_version(campaigns):
    tenant = new_tenant().tenant_id
    made = _campaign(tenant)
    campaigns.create(made, [model.created_event(made)])
    started = model.transition(made, "start", NOW)
    events = model.lifecycle_events(made, started, "start", "api")

    assert campaigns.save(started, 0, events)
    assert not campaigns.save(started, 0, events)  # a transaction refused: False, no error

    cancelled = model.transition(started, "cancel", NOW)
    assert campaigns.save(cancelled, 1, model.lifecycle_events(started, cancelled, "cancel", "api"))
    assert campaigns.get(tenant, made.campaign_id).status == "cancelled"


def test_an_ab_winner_is_recorded_once_and_never_replaced(campaigns):
    tenant = new_tenant().tenant_id
    made = _campaign(tenant)  # a draft: the scheduler of other tests must not run it
    campaigns.create(made)
    assert not campaigns.set_winner(tenant, ids.new_sortable_id("cmp"), 1, "A")  # no campaign

    assert campaigns.set_winner(tenant, made.campaign_id, 1, "B")
    assert not campaigns.set_winner(tenant, made.campaign_id, 1, "A")
    assert campaigns.set_winner(tenant, made.campaign_id, 2, "A")

    stored = campaigns.get(tenant, made.campaign_id)
    assert (stored.winners, stored.version) == ({"1": "B", "2": "A"}, 2)
    # a save over the version read keeps them; one over an older version is refused
    assert not campaigns.save(replace(made, name="Renamed"), 0)
    assert campaigns.save(replace(stored, name="Renamed"), 2)
    assert campaigns.get(tenant, made.campaign_id).winners == {"1": "B", "2": "A"}


def _enrolled(enrolments, n: int):
    tenant, campaign = new_tenant().tenant_id, ids.new_sortable_id("cmp")
    fresh = [model.new_enrolment(tenant, campaign, f"ctc_{i:04d}", NOW) for i in range(n)]
    assert enrolments.add_new(fresh) == n
    return tenant, campaign, fresh


def test_enrolments_are_written_once_with_their_counters_and_listed_by_pages(enrolments):
    tenant, campaign, fresh = _enrolled(enrolments, 7)
    assert enrolments.add_new(fresh[:2]) == 0
    assert enrolments.progress(tenant, campaign) == {"enrolled": 7, "s1:waiting": 7}
    pages = walk(lambda token: enrolments.list(tenant, campaign, 3, token))
    assert sorted(e.enrolment_id for p in pages for e in p.items) == sorted(
        e.enrolment_id for e in fresh
    )
    assert set(enrolments.get_many(tenant, campaign, [fresh[0].enrolment_id])) == {
        fresh[0].enrolment_id
    }


def test_only_one_run_leases_an_enrolment_and_advances_follow_the_version(enrolments):
    tenant, campaign, fresh = _enrolled(enrolments, 16)
    due = [e for s in range(model.SHARDS) for e in enrolments.due(tenant, campaign, s, NOW, 50)]
    assert len(due) == 16
    first = due[0]
    taken = enrolments.lease(first, 2000, 1000, "mbx_a")
    assert taken is not None and taken.mailbox_id == "mbx_a"
    assert enrolments.lease(first, 2000, 1000, "mbx_b") is None
    after = replace(
        taken, position=2, due_at="2026-12-03T09:00:00.000Z", last_step=1, lease_until=0
    )
    assert enrolments.advance(taken, after, {"s1:waiting": -1, "s1:queued": 1})
    assert not enrolments.advance(taken, after, {"s1:queued": 1})
    assert enrolments.progress(tenant, campaign)["s1:queued"] == 1
    shard = first.shard
    assert first.enrolment_id not in {
        e.enrolment_id for e in enrolments.due(tenant, campaign, shard, NOW, 50)
    }


def test_a_flag_is_set_once_and_a_stop_leaves_the_due_listing(enrolments):
    tenant, campaign, fresh = _enrolled(enrolments, 1)
    [stored] = enrolments.get_many(tenant, campaign, [fresh[0].enrolment_id]).values()
    stop = {"status": "stopped", "due_at": None, "stop_reason": "replied"}
    assert enrolments.flag(stored, ["1:replied"], {"s1:replied": 1, "finished": 1}, stop)
    assert not enrolments.flag(stored, ["1:replied"], {"s1:replied": 1}, {})
    [now] = enrolments.get_many(tenant, campaign, [stored.enrolment_id]).values()
    assert (now.status, "1:replied" in now.flags) == ("stopped", True)
    assert enrolments.due(tenant, campaign, stored.shard, NOW, 50) == []
    assert enrolments.progress(tenant, campaign)["s1:replied"] == 1


def test_a_persons_enrolments_are_found_across_campaigns_and_forgotten_by_version(enrolments):
    tenant, campaign, fresh = _enrolled(enrolments, 3)
    other = ids.new_sortable_id("cmp")
    theirs = model.new_enrolment(tenant, other, fresh[0].contact_id, NOW)
    assert enrolments.add_new([theirs]) == 1
    pairs = [(campaign, fresh[0].enrolment_id), (other, theirs.enrolment_id)]
    missing = (ids.new_sortable_id("cmp"), "enr_" + "x" * 26)

    found = enrolments.find(tenant, [*pairs, missing])

    assert sorted((e.campaign_id, e.enrolment_id) for e in found) == sorted(pairs)
    assert enrolments.find(new_tenant().tenant_id, pairs) == []
    stale = replace(fresh[0], version=fresh[0].version + 1)
    assert not enrolments.forget(stale, {"finished": 1})
    assert enrolments.forget(fresh[0], {"finished": 1, "stopped": 1, "s1:waiting": -1})
    assert not enrolments.forget(fresh[0], {"finished": 1})  # gone
    assert enrolments.forget(theirs, {})
    assert enrolments.find(tenant, pairs) == []
    assert enrolments.progress(tenant, campaign) == {
        "enrolled": 3,
        "s1:waiting": 2,
        "finished": 1,
        "stopped": 1,
    }


def test_allocations_add_up_per_tenant_and_day(enrolments):
    tenant = new_tenant().tenant_id
    enrolments.allocate(tenant, "2026-12-01", {"m:mbx_a": 2})
    enrolments.allocate(tenant, "2026-12-01", {"m:mbx_a": 1, "x:mbx_a": 1})
    assert enrolments.allocations(tenant, "2026-12-01") == {"m:mbx_a": 3, "x:mbx_a": 1}
    assert enrolments.allocations(tenant, "2026-12-02") == {}
