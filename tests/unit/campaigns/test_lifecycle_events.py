"""The ``campaign.*`` events over the twins: each stored with its change (creation, the API's
actions, the scheduler's start and completion), none for a refused change or for
``schedule``; ids and statuses only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.campaigns.service import campaigns, scheduler
from chalicelib.core.errors import Conflict
from tests.unit.campaigns.test_scheduler import _as_scheduled
from tests.unit.campaigns.world import CTX, TENANT, ready


def _changes(w) -> list[tuple[str, str | None, str | None]]:
    return [(e["type"], e.get("previous_status"), e.get("actor")) for e in w.campaigns.events]


def test_the_api_actions_store_their_event_with_the_change_and_a_refused_one_none():
    w, campaign = ready(0)
    cid = campaign.campaign_id
    for action in ("pause", "resume", "cancel"):
        campaigns.act(w.ports, CTX, cid, action)
    with pytest.raises(Conflict):
        campaigns.act(w.ports, CTX, cid, "resume")

    assert _changes(w) == [
        ("campaign.created", None, None),
        ("campaign.started", "draft", "api"),
        ("campaign.paused", "sending", "api"),
        ("campaign.resumed", "paused", "api"),
        ("campaign.cancelled", "sending", "api"),
    ]
    first, last = w.campaigns.events[0], w.campaigns.events[-1]
    assert (first["campaign_id"], first["status"], first["tenant_id"]) == (cid, "draft", TENANT)
    assert (last["status"], last["occurred_at"]) == ("cancelled", w.clock.now_iso())
    assert set(last) == {
        "event_id",
        "type",
        "tenant_id",
        "occurred_at",
        "schema_version",
        "campaign_id",
        "status",
        "previous_status",
        "actor",
    }


def test_the_scheduler_stores_the_start_and_the_completion_with_their_changes():
    w, campaign = ready(1)
    w.campaigns.items[(TENANT, campaign.campaign_id)] = _as_scheduled(campaign, w)
    w.campaigns.events.clear()
    w.clock.moment += timedelta(hours=2)

    scheduler.run(w.ports)  # starts it and sends step 1
    w.clock.moment += timedelta(hours=48)
    scheduler.run(w.ports)  # sends step 2: every sequence is over

    assert w.campaigns.get(TENANT, campaign.campaign_id).status == "completed"
    assert _changes(w) == [
        ("campaign.started", "scheduled", "scheduler"),
        ("campaign.completed", "sending", "scheduler"),
    ]
