"""``enqueue_campaign`` over the in-memory world: a campaign's sends become ``bulk`` messages
that carry their campaign, each content is stored once, a rerun creates nothing twice and
re-enqueues only what is still queued, and bad sends are refused before anything is
written (422 naming the field or the variable, 429 over the plan's month)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.analytics import month_period
from chalicelib.core.errors import QuotaExceeded, UnprocessableEntity
from chalicelib.sending.rules.messages import with_status
from chalicelib.sending.service.campaign import enqueue
from tests.fakes.campaign_sending import CAMPAIGN, CampaignWorld, campaign_world
from tests.fakes.sending import FakeMessages
from tests.integration.event_contract import event_problems


@pytest.fixture
def cw() -> CampaignWorld:
    return campaign_world()


def _run(cw: CampaignWorld, sends, plan: str = "business"):
    return enqueue(cw.enqueue, cw.tenant_id, plan, sends)


def test_sends_become_queued_bulk_messages_that_carry_their_campaign(cw):
    # given two contacts' first step
    sends = [cw.send("ann"), cw.send("bob")]

    # when
    outcomes = _run(cw, sends)

    # then both were created, queued, and sent to the bulk queue as jobs
    assert [(o.message_id, o.created, o.status) for o in outcomes] == [
        (s.message_id, True, "queued") for s in sends
    ]
    stored = cw.world.messages.get(cw.tenant_id, sends[0].message_id)
    assert stored.queue == "bulk" and stored.campaign == sends[0].campaign
    assert stored.subject == "Hello Ann" and stored.to == "ann@example.test"
    assert stored.from_address == cw.world.mailbox.email
    assert cw.world.queues.jobs == [("bulk", (cw.tenant_id, s.message_id, 0)) for s in sends]


def test_each_created_message_has_its_queued_event_with_the_campaign_fields(cw):
    sends = [cw.send("ann"), cw.send("bob")]
    _run(cw, sends)
    events = cw.world.events.published
    assert [e["type"] for e in events] == ["message.queued"] * 2
    assert events[0]["campaign_id"] == CAMPAIGN and events[0]["step"] == 1
    assert events[0]["enrolment_id"] == "enr_ann" and events[0]["contact_id"] == "ctc_ann"
    assert events[0]["variant"] == "A"
    assert [event_problems(e) for e in events] == [[], []]


def test_a_rerun_creates_nothing_and_re_enqueues_only_what_is_still_queued(cw):
    # given a first run, after which one message was sent
    sends = [cw.send("ann"), cw.send("bob")]
    _run(cw, sends)
    sent = cw.world.messages.get(cw.tenant_id, sends[1].message_id)
    cw.world.messages.transition(
        with_status(sent, "sent", "2026-11-28T12:01:00.000Z"), ("queued",), 0
    )
    cw.world.queues.jobs.clear()
    published = len(cw.world.events.published)

    # when the same run happens again (a crash and a retry)
    outcomes = _run(cw, sends)

    # then nothing is created, no event is written, and only the queued one is enqueued again
    assert [(o.created, o.status) for o in outcomes] == [(False, "queued"), (False, "sent")]
    assert len(cw.world.events.published) == published
    assert cw.world.queues.jobs == [("bulk", (cw.tenant_id, sends[0].message_id, 0))]
    assert len(cw.world.messages.items) == 2


def test_the_same_send_twice_in_one_call_is_one_message(cw):
    send = cw.send("ann")
    outcomes = _run(cw, [send, send])
    assert [(o.message_id, o.created) for o in outcomes] == [(send.message_id, True)]
    assert len(cw.world.queues.jobs) == 1


def test_each_content_is_stored_once_under_a_key_a_rerun_reuses(cw):
    # given three contacts, two contents (one per A/B variant)
    other = {"subject": "Other {{ first_name }}"}
    sends = [cw.send("ann"), cw.send("bob"), cw.send("cat", **other)]

    # when
    _run(cw, sends)
    keys = {cw.world.messages.get(cw.tenant_id, s.message_id).body_key for s in sends}

    # then two bodies, each the sources (not rendered), and a rerun of a new contact
    # with the same content points at the same key
    assert len(keys) == 2 and set(cw.world.bodies.objects) == keys
    assert {b["subject"] for b in cw.world.bodies.objects.values()} == {
        "Hello {{ first_name }}",
        "Other {{ first_name }}",
    }
    _run(cw, [cw.send("dan")])
    assert cw.world.messages.get(cw.tenant_id, cw.send("dan").message_id).body_key in keys
    assert len(cw.world.bodies.objects) == 2


def test_a_follow_up_keeps_its_thread(cw):
    first = cw.send("ann")
    thread = "<msg_first.0123456789abcdef@bench.test>"
    follow_up = cw.send("ann", step=2, in_reply_to=thread, references=(thread,))
    _run(cw, [first, follow_up])
    stored = cw.world.messages.get(cw.tenant_id, follow_up.message_id)
    assert stored.in_reply_to == thread and stored.references == (thread,)
    assert stored.subject == "Re: Hello Ann" and stored.campaign.step == 2


def test_another_tenants_or_an_unknown_mailbox_is_a_422_naming_mailbox_id(cw):
    sends = [cw.send("ann"), cw.send("bob", mailbox_id="mbx_someoneelsesmailboxx")]
    with pytest.raises(UnprocessableEntity) as raised:
        _run(cw, sends)
    assert raised.value.details["field"] == "mailbox_id"
    assert cw.world.messages.items == {} and cw.world.queues.jobs == []


def test_an_undefined_variable_is_a_422_naming_it_and_nothing_is_written(cw):
    sends = [cw.send("ann"), cw.send("bob", text="Hi {{ company }}")]
    with pytest.raises(UnprocessableEntity) as raised:
        _run(cw, sends)
    details = raised.value.details
    assert details["field"] == "text" and details["variables"] == ["company"]
    assert details["contact_id"] == "ctc_bob"
    assert cw.world.messages.items == {} and cw.world.bodies.objects == {}


def test_a_malformed_message_id_is_a_422(cw):
    with pytest.raises(UnprocessableEntity) as raised:
        _run(cw, [cw.send("ann", message_id="msg_NOT-OURS")])
    assert raised.value.details["field"] == "message_id"


def test_the_plans_month_counts_only_the_messages_still_to_create(cw):
    # given a starter tenant (10,000 a month) with 9,999 used and one message created before
    created = cw.send("ann")
    _run(cw, [created], plan="starter")
    month = month_period(cw.enqueue.clock.now_iso()[:7])
    cw.world.counters.values[(cw.tenant_id, month)] = {"message_queued": 9_999}

    # when the rerun adds one new message, it fits; two new ones do not
    assert [o.created for o in _run(cw, [created, cw.send("bob")], plan="starter")] == [
        False,
        True,
    ]
    with pytest.raises(QuotaExceeded):
        _run(cw, [cw.send("cat"), cw.send("dan")], plan="starter")
    assert cw.world.messages.get(cw.tenant_id, cw.send("cat").message_id) is None


def test_a_message_in_another_status_is_reported_as_it_is_and_not_enqueued(cw):
    send = cw.send("ann")
    _run(cw, [send])
    stored = cw.world.messages.get(cw.tenant_id, send.message_id)
    cw.world.messages.items[(cw.tenant_id, send.message_id)] = (
        replace(stored, status="sending"),
        9,
    )
    cw.world.queues.jobs.clear()
    [outcome] = _run(cw, [send])
    assert (outcome.created, outcome.status) == (False, "sending")
    assert cw.world.queues.jobs == []


class OtherRunWinsTheCreate(FakeMessages):
    """Another run creates (and its worker claims) every message between this run's read
    and its conditional create."""

    def create_new(self, messages, events=()):
        for m in messages:
            self.items[(m.tenant_id, m.message_id)] = (replace(m, status="sending"), 9)
        return super().create_new(messages, events)


def test_a_message_an_overlapping_run_created_first_is_neither_created_nor_enqueued(cw):
    # given
    racing = OtherRunWinsTheCreate(cw.world.events)
    ports = replace(cw.enqueue, messages=racing)
    send = cw.send("ann")

    # when
    [outcome] = enqueue(ports, cw.tenant_id, "business", [send])

    # then
    assert (outcome.created, outcome.status) == (False, "sending")
    assert cw.world.events.published == [] and cw.world.queues.jobs == []
