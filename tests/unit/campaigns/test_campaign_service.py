"""Campaigns, enrolment and reactions over the twins: validation (422 naming the field,
nothing created), the lifecycle (409 for any other transition), edits while running,
enrolment counts, and reactions counted once with opens read from the message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.campaigns.service import campaigns, enrolment, progress, reactions, scheduler
from chalicelib.core.errors import Conflict, UnprocessableEntity
from tests.fakes.campaigns import world
from tests.unit.campaigns.test_scheduler import _event
from tests.unit.campaigns.world import CTX, MAILBOXES, TENANT, ready, sent_by_step, settings, steps


def _refused(w, steps_, settings_) -> str:
    with pytest.raises(UnprocessableEntity) as found:
        campaigns.create(w.ports, CTX, "x", steps_, settings_)
    assert not w.campaigns.items  # nothing half-created
    return found.value.details["field"]


def _world():
    w = world()
    for mailbox in MAILBOXES:
        w.mailboxes.mailboxes[(TENANT, mailbox)] = "a@outreach.test"
    return w


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda st, se: se.update(mailbox_ids=[]), "settings.mailbox_ids"),
        (lambda st, se: se.update(mailbox_ids=["mbx_" + "z" * 20]), "settings.mailbox_ids[0]"),
        (lambda st, se: se["window"].update(start="18:00"), "settings.window.start"),
        (lambda st, se: se["window"].update(time_zone="Mars/Base"), "settings.window.time_zone"),
        (lambda st, se: st[1].update(hours=0), "steps[1].hours"),
        (lambda st, se: st.insert(0, {"type": "wait", "hours": 1}), "steps[0].type"),
        (lambda st, se: st[0].update(subject="Hi {{ nickname }}"), "steps[0].subject"),
        (lambda st, se: st[2].update(template_id="tpl_" + "q" * 20), "steps[2].template_id"),
        (lambda st, se: st.clear(), "steps"),
        (lambda st, se: se.update(unsubscribe_footer=False), "settings.unsubscribe_footer"),
    ],
)
def test_a_bad_campaign_is_refused_naming_the_field(change, field):
    w = _world()
    st, se = steps(), settings()
    change(st, se)
    assert _refused(w, st, se) == field


def test_declared_custom_fields_are_variables():
    w = _world()
    w.contacts.fields[TENANT] = {"nickname": "string"}
    st = steps()
    st[0]["subject"] = "Hi {{ nickname }}"
    assert campaigns.create(w.ports, CTX, "x", st, settings()).steps[0]["subject"].endswith("}}")


def test_only_the_lifecycles_transitions_are_allowed():
    w = _world()
    made = campaigns.create(w.ports, CTX, "x", steps(), settings())
    with pytest.raises(Conflict):
        campaigns.act(w.ports, CTX, made.campaign_id, "pause")
    with pytest.raises(UnprocessableEntity):
        campaigns.act(w.ports, CTX, made.campaign_id, "schedule")  # no start_at
    assert campaigns.act(w.ports, CTX, made.campaign_id, "start").status == "sending"
    assert campaigns.act(w.ports, CTX, made.campaign_id, "pause").status == "paused"
    assert campaigns.act(w.ports, CTX, made.campaign_id, "resume").status == "sending"
    assert campaigns.act(w.ports, CTX, made.campaign_id, "cancel").status == "cancelled"
    with pytest.raises(Conflict):
        campaigns.act(w.ports, CTX, made.campaign_id, "resume")


def test_while_running_only_steps_no_contact_reached_can_change():
    w, campaign = ready(2)
    scheduler.run(w.ports)  # everyone passed steps 0 and 1
    changed = steps()
    changed[2]["text"] = "A better follow-up"
    assert campaigns.update(w.ports, CTX, campaign.campaign_id, {"steps": changed})
    changed[0]["text"] = "Too late"
    with pytest.raises(UnprocessableEntity) as found:
        campaigns.update(w.ports, CTX, campaign.campaign_id, {"steps": changed})
    assert found.value.details["field"] == "steps[0]"


def test_enrolment_skips_suppressed_and_inactive_and_counts_the_already_enrolled():
    w, campaign = ready(2)
    fresh = w.contacts.add(TENANT, 3)
    w.sender.suppressed.add(fresh[0].email)
    w.contacts.set_status(TENANT, fresh[1].contact_id, "bounced", "x", "2026-01-01T00:00:00Z")
    w.contacts.lists[(TENANT, "lst_1")] = [c.contact_id for c in fresh]
    ids = [c.contact_id for c in list(w.contacts.contacts.values())[:2]]

    report = enrolment.enrol(w.ports, CTX, campaign.campaign_id, ids, ["lst_1"])

    assert report.to_public() == {
        "enrolled": 1,
        "already_enrolled": 2,
        "skipped_suppressed": 1,
        "skipped_inactive": 1,
    }
    assert w.enrolments.progress(TENANT, campaign.campaign_id)["enrolled"] == 3


@pytest.mark.parametrize(
    ("contacts", "lists", "field"),
    [(["ctc_nobody"], [], "contact_ids[0]"), ([], ["lst_x"], "list_ids[0]")],
)
def test_enrolling_an_unknown_contact_or_list_enrols_nobody(contacts, lists, field):
    w, campaign = ready(1)
    before = dict(w.enrolments.items)
    known = [next(iter(w.contacts.contacts.values())).contact_id]
    with pytest.raises(UnprocessableEntity) as found:
        enrolment.enrol(w.ports, CTX, campaign.campaign_id, known + contacts, lists)
    assert found.value.details["field"] in (field, "contact_ids[1]")
    assert w.enrolments.items == before


def test_an_event_counts_once_and_opens_are_read_from_the_message():
    w, campaign = ready(1)
    scheduler.run(w.ports)
    send = sent_by_step(w)[1][0]
    opened = {
        k: v
        for k, v in _event(w, send, "opened").items()
        if k not in ("campaign_id", "enrolment_id", "step")
    }
    opened["actor"] = "human"

    assert reactions.react_many(w.ports, [_event(w, send, "sent"), opened]) == 2
    assert reactions.react_many(w.ports, [_event(w, send, "sent"), opened]) == 0

    counts = w.enrolments.progress(TENANT, campaign.campaign_id)
    assert (counts["s1:sent"], counts["s1:opened"]) == (1, 1)
    assert w.enrolments.allocations(TENANT, "2026-12-01")[f"x:{send.mailbox_id}"] == 1
    shaped = progress.shaped(campaign, counts)
    assert shaped["steps"][0]["sent"] == 1 and shaped["enrolled"] == 1


def test_a_machine_open_is_not_counted():
    w, campaign = ready(1)
    scheduler.run(w.ports)
    send = sent_by_step(w)[1][0]
    assert reactions.react_many(w.ports, [_event(w, send, "opened", actor="machine")]) == 0


def test_a_bounce_stops_the_sequence_and_sets_the_contacts_status():
    w, campaign = ready(1)
    scheduler.run(w.ports)
    send = sent_by_step(w)[1][0]
    reactions.react_many(w.ports, [_event(w, send, "bounced")])
    enrolled = next(iter(w.enrolments.items.values()))
    assert (enrolled.status, enrolled.stop_reason) == ("stopped", "bounced")
    assert w.contacts.statuses[-1][1] == "bounced"


def test_an_out_of_office_with_a_return_date_delays_the_next_step():
    w, campaign = ready(1)
    scheduler.run(w.ports)
    send = sent_by_step(w)[1][0]
    reactions.react_many(w.ports, [_event(w, send, "auto_replied", return_on="2026-12-10")])
    assert next(iter(w.enrolments.items.values())).due_at == "2026-12-10T09:00:00.000Z"
    w.clock.moment += timedelta(hours=49)
    assert scheduler.run(w.ports).queued == 0
