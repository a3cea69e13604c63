"""Warm-up mail on the send path over the in-memory world: ``enqueue_warmup`` (idempotent,
tagged, scheduled, threaded), the built MIME (no tracking, no unsubscribe, its signed
``X-PM-Warmup`` token, DKIM), the guards (no monthly or daily cap, but mailbox status and
suppression), the campaign cap while warming (the warm-up's target), what became of each
message, and how analytics counts its events (only as the mailbox's ``warmup_*``)."""

from __future__ import annotations

import email
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.analytics import mailbox_day_period, month_period
from chalicelib.analytics.rules.counting import Enrichment, event_increments
from chalicelib.core.errors import UnprocessableEntity
from chalicelib.core.tenancy import system_context
from chalicelib.mailboxes.service import set_warmup
from chalicelib.sending.engagement_store import facts_of
from chalicelib.sending.rules import tokens
from chalicelib.sending.rules.guards import SendFacts, daily_cap, run_guards
from chalicelib.sending.rules.messages import with_status
from chalicelib.sending.rules.suppressions import Suppression
from chalicelib.sending.rules.warmup import WarmupSend, outcome, warmup_message_id
from chalicelib.sending.service.capacity import mailbox_capacity
from chalicelib.sending.service.warmup import WarmupPorts, enqueue, outcomes
from chalicelib.sending.store import to_item
from tests.fakes.analytics import FakeCounters
from tests.fakes.campaign_sending import CampaignWorld, campaign_world
from tests.fakes.sending import run_batch
from tests.integration.event_contract import event_problems

KEYS = tokens.TokenKeys({"k1": b"k" * 32}, "k1")  # the world's tracking keys
DAY = "2026-11-28"


@pytest.fixture
def cw() -> CampaignWorld:
    return campaign_world()


def _ports(cw: CampaignWorld) -> WarmupPorts:
    w = cw.world
    return WarmupPorts(w.messages, w.bodies, w.ports.mailboxes, w.queues, w.ports.clock)


def _send(cw: CampaignWorld, key: str = "a", **changes) -> WarmupSend:
    send = WarmupSend(
        message_id=warmup_message_id(key),
        mailbox_id=cw.world.mailbox.mailbox_id,
        to=f"pool-{key}@partner.test",
        subject="Quick hello",
        text="Hope the week is going well.",
        html='<p>Hope the week is going well. <a href="https://example.test/x">x</a></p>',
        warmup_on=DAY,
        warmup_day=3,
    )
    return replace(send, **changes)


def _stored(cw: CampaignWorld, message_id: str):
    return cw.world.messages.get(cw.tenant_id, message_id)


# --- tokens ---------------------------------------------------------------------------------


def test_a_warmup_token_names_tenant_and_message_for_14_days():
    token = tokens.warmup_token("ten_abcdefghijklmnopqrst", "msg_abc", KEYS, 1_000_000)
    assert tokens.decode_warmup(token, KEYS, 1_000_000) == ("ten_abcdefghijklmnopqrst", "msg_abc")
    assert tokens.decode_warmup(token, KEYS, 1_000_000 + 14 * 86400 - 1) is not None
    assert tokens.decode_warmup(token, KEYS, 1_000_000 + 14 * 86400) is None
    assert tokens.decode(token, KEYS, 1_000_000).kind == "warmup"  # kind 4 in the payload
    assert tokens.decode_warmup(token[:-2] + "AA", KEYS, 1_000_000) is None


def test_other_kinds_are_no_warmup_token_and_keep_their_encoding():
    tenant = "ten_abcdefghijklmnopqrst"
    opened = tokens.TokenClaims("open", tenant, "msg_abc", 2_000_000_000, sent_at=1_900_000_000)
    unsub = tokens.TokenClaims("unsubscribe", tenant, "msg_abc", 2_000_000_000)
    # the tokens main wrote before the warmup kind existed, byte for byte
    assert tokens.encode(opened, KEYS) == (
        "AgECazEYdGVuX2FiY2RlZmdoaWprbG1ub3BxcnN0B21zZ19hYmNxP7MAdzWUADuj8z5gR7df_TQPJR2y_wQ"
    )
    assert tokens.encode(unsub, KEYS) == (
        "AQMCazEYdGVuX2FiY2RlZmdoaWprbG1ub3BxcnN0B21zZ19hYmN3NZQAsj0oZeBQXpQz844sNlFQfQ"
    )
    assert tokens.decode_warmup(tokens.encode(unsub, KEYS), KEYS, 1_000) is None


# --- enqueue --------------------------------------------------------------------------------


def test_warmup_sends_become_tagged_untracked_bulk_messages_with_their_queued_event(cw):
    sends = [_send(cw, "a"), _send(cw, "b")]
    found = enqueue(_ports(cw), cw.tenant_id, sends)
    assert [(o.message_id, o.created, o.status) for o in found] == [
        (s.message_id, True, "queued") for s in sends
    ]
    stored = _stored(cw, sends[0].message_id)
    assert stored.tags == ("warmup",) and stored.queue == "bulk"
    assert stored.metadata == {"purpose": "warmup", "warmup_on": DAY, "warmup_day": "3"}
    assert not stored.track_opens and not stored.track_clicks and stored.campaign is None
    assert cw.world.queues.jobs == [("bulk", (cw.tenant_id, s.message_id, 0)) for s in sends]
    events = cw.world.events.published
    assert [e["type"] for e in events] == ["message.queued"] * 2
    assert events[0]["tags"] == ["warmup"] and [event_problems(e) for e in events] == [[], []]


def test_a_rerun_creates_nothing_and_re_enqueues_only_what_is_still_queued(cw):
    sends = [_send(cw, "a"), _send(cw, "b")]
    enqueue(_ports(cw), cw.tenant_id, sends)
    sent = _stored(cw, sends[1].message_id)
    cw.world.messages.transition(with_status(sent, "sent", f"{DAY}T12:01:00.000Z"), ("queued",), 0)
    cw.world.queues.jobs.clear()
    published = len(cw.world.events.published)

    found = enqueue(_ports(cw), cw.tenant_id, sends)

    assert [(o.created, o.status) for o in found] == [(False, "queued"), (False, "sent")]
    assert len(cw.world.events.published) == published and len(cw.world.messages.items) == 2
    assert cw.world.queues.jobs == [("bulk", (cw.tenant_id, sends[0].message_id, 0))]


def test_scheduled_sends_wait_on_the_queue_at_most_15_minutes(cw):
    soon = _send(cw, "a", scheduled_at=f"{DAY}T12:05:00Z")
    later = _send(cw, "b", scheduled_at=f"{DAY}T15:00:00Z")
    enqueue(_ports(cw), cw.tenant_id, [soon, later])
    assert [job[1][2] for job in cw.world.queues.jobs] == [301, 900]
    assert _stored(cw, later.message_id).scheduled_at == f"{DAY}T15:00:00Z"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mailbox_id": "mbx_notminenotminenotmi"}, "mailbox_id"),
        ({"message_id": "not-an-id"}, "message_id"),
        ({"reply": True}, "in_reply_to"),
        ({"scheduled_at": "tomorrow"}, "scheduled_at"),
    ],
)
def test_bad_sends_are_refused_naming_the_field_before_anything_is_written(cw, changes, field):
    with pytest.raises(UnprocessableEntity) as refused:
        enqueue(_ports(cw), cw.tenant_id, [_send(cw, "a"), _send(cw, "b", **changes)])
    assert refused.value.details["field"] == field
    assert cw.world.messages.items == {} and cw.world.queues.jobs == []


# --- the built MIME and the guards ----------------------------------------------------------


def _enqueue_and_send(cw: CampaignWorld, send: WarmupSend) -> tuple[str, email.message.Message]:
    enqueue(_ports(cw), cw.tenant_id, [send])
    outcome = run_batch(cw.world, _stored(cw, send.message_id), queue="bulk")[0]
    raw = cw.sink.accepted[-1][1] if cw.sink.accepted else b""
    return outcome, email.message_from_bytes(raw)


def test_a_warmup_email_is_untracked_without_unsubscribe_signed_and_carries_its_token(cw):
    outcome, mail = _enqueue_and_send(cw, _send(cw, "a"))
    assert outcome == "sent"
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None
    assert mail["DKIM-Signature"] is not None
    body = "".join(
        part.get_payload(decode=True).decode()
        for part in mail.walk()
        if part.get_content_maintype() == "text"
    )
    assert "https://example.test/x" in body and "/t/c/" not in body and "/t/o/" not in body
    assert "Unsubscribe" not in body and "1 Road, Town" not in body
    token = mail["X-PM-Warmup"]
    now = int(cw.world.ports.clock.now().timestamp())
    assert tokens.decode_warmup(token, KEYS, now) == (cw.tenant_id, warmup_message_id("a"))


def test_a_warmup_reply_threads_under_the_message_it_answers(cw):
    parent = "<msg_parent@partner.test>"
    _, mail = _enqueue_and_send(cw, _send(cw, "r", reply=True, in_reply_to=parent))
    assert mail["In-Reply-To"] == parent and mail["References"] == parent


def test_warmup_mail_is_not_stopped_by_the_monthly_or_daily_caps(cw):
    # the mailbox has sent far past its cap today, the tenant its whole month
    counters = cw.world.counters.values
    day = mailbox_day_period(cw.world.mailbox.mailbox_id, DAY)
    counters[(cw.tenant_id, day)] = {"message_sent": 100_000}
    counters[(cw.tenant_id, month_period(DAY[:7]))] = {"message_sent": 10_000_000}
    outcome, _ = _enqueue_and_send(cw, _send(cw, "a"))
    assert outcome == "sent"
    # while a campaign's message from the same mailbox waits
    campaign = cw.world.message("lead@example.test", queue="bulk")
    assert run_batch(cw.world, campaign, queue="bulk") == ["deferred"]


def test_warmup_mail_obeys_the_global_list_and_mailbox_status_not_the_tenants_list(cw):
    world = cw.world
    ctx = system_context(cw.tenant_id)
    world.suppressions.add(
        cw.tenant_id, Suppression("pool-s@partner.test", "tenant", "r", "manual", DAY, "x")
    )
    assert _enqueue_and_send(cw, _send(cw, "s"))[0] == "sent"  # a contact list, not the pool's
    world.suppressions.add(
        cw.tenant_id, Suppression("pool-s@partner.test", "global", "r", "complaint", DAY, "x")
    )
    assert _enqueue_and_send(cw, _send(cw, "g", to="pool-s@partner.test"))[0] == "suppressed"
    world.ports.mailboxes.save(ctx, replace(world.mailbox, status="paused"))
    assert _enqueue_and_send(cw, _send(cw, "p"))[0] == "suppressed"
    assert _stored(cw, warmup_message_id("p")).timeline[-1]["step"] == "hold_if_mailbox_inactive"


def _facts(**changes) -> SendFacts:
    facts = SendFacts(
        tenant_active=True,
        monthly_sent=0,
        monthly_allowance=100,
        message_cancelled=False,
        recipient_suppressed_tenant=False,
        recipient_suppressed_global=False,
        domain_can_send=True,
        mailbox_status="warming",
        mailbox_sent_today=0,
        mailbox_daily_limit=50,
        warmup_plan="standard",
        warmup_day=0,
        bulk=True,
        has_unsubscribe=True,
        has_postal_address=True,
    )
    return replace(facts, **changes)


def test_the_guards_let_warmup_mail_past_the_caps_only():
    over = {"monthly_sent": 100, "mailbox_sent_today": 50, "has_postal_address": False}
    assert run_guards(_facts(**over)).step == "defer_if_over_monthly_quota"
    assert run_guards(_facts(warmup=True, **over)) is None
    assert run_guards(_facts(warmup=True, mailbox_status="paused")) is not None
    assert run_guards(_facts(warmup=True, recipient_suppressed_tenant=True)) is None
    assert run_guards(_facts(warmup=True, recipient_suppressed_global=True)) is not None
    assert run_guards(_facts(recipient_suppressed_tenant=True)) is not None


def test_campaign_mail_from_a_warming_mailbox_is_capped_at_the_warmup_target():
    assert daily_cap("warming", 50, "standard", 0, warmup_target=30) == 30
    assert daily_cap("warming", 50, "standard", 0, warmup_target=80) == 50
    assert daily_cap("warming", 50, "standard", 0) == daily_cap("warming", 50, "standard", 0, None)
    assert daily_cap("active", 50, None, None, warmup_target=5) == 50
    at_target = _facts(mailbox_sent_today=30, warmup_target=30)
    assert run_guards(at_target).step == "defer_if_mailbox_over_cap"
    assert run_guards(replace(at_target, mailbox_sent_today=29)) is None


def test_the_warmup_target_is_set_on_the_mailbox_and_capacity_follows_it(cw):
    world = cw.world
    mailboxes: Any = SimpleNamespace(mailboxes=world.ports.mailboxes, clock=world.ports.clock)
    ctx = system_context(cw.tenant_id)
    mailbox_id = world.mailbox.mailbox_id
    assert set_warmup(mailboxes, ctx, mailbox_id, "standard", DAY, target=40) == "warming"
    assert world.ports.mailboxes.get(ctx, mailbox_id).warmup_target == 40
    period = mailbox_day_period(mailbox_id, DAY)
    world.counters.values[(cw.tenant_id, period)] = {"message_sent": 15}
    found = mailbox_capacity(cw.capacity, cw.tenant_id, [mailbox_id], DAY)[mailbox_id]
    assert found.remaining == 25
    assert set_warmup(mailboxes, ctx, mailbox_id, None, "") == "ended"
    assert world.ports.mailboxes.get(ctx, mailbox_id).warmup_target is None


# --- outcomes and counting ------------------------------------------------------------------


def test_outcomes_say_what_became_of_each_message(cw):
    sends = [_send(cw, "q"), _send(cw, "b")]
    enqueue(_ports(cw), cw.tenant_id, sends)
    bounced = _stored(cw, sends[1].message_id)
    at = f"{DAY}T12:01:00.000Z"
    bounced = with_status(with_status(bounced, "deferred", at), "bounced", at)
    cw.world.messages.transition(bounced, ("queued",), 0)
    found = outcomes(_ports(cw), cw.tenant_id, [s.message_id for s in sends] + ["msg_none"])
    assert found[sends[0].message_id] == outcome(_stored(cw, sends[0].message_id))
    assert (found[sends[0].message_id].status, found[sends[0].message_id].settled) == (
        "queued",
        False,
    )
    assert found[sends[1].message_id].bounced and found[sends[1].message_id].deferred
    assert found[sends[1].message_id].settled
    assert found["msg_none"].status == "missing"


def test_a_warmup_messages_events_count_only_as_the_mailboxs_warmup_metrics(cw):
    send = _send(cw, "a")
    enqueue(_ports(cw), cw.tenant_id, [send])
    run_batch(cw.world, _stored(cw, send.message_id), queue="bulk")
    stored = _stored(cw, send.message_id)
    facts = facts_of(to_item(stored))  # what the sending feature tells analytics
    assert facts.warmup
    base = cw.world.events.published[-1]
    events = [*cw.world.events.published]
    events += [
        {**base, "type": "message.delivered", "event_id": "evt_delivered"},
        {**base, "type": "message.bounced", "event_id": "evt_bounced"},
    ]
    assert {e["type"] for e in events} >= {"message.queued", "message.sent"}
    mailbox = f"m#{stored.mailbox_id}#day#{DAY}"
    for event in events:
        adds = event_increments(event, Enrichment(facts))
        metrics = {k: v for k, v in adds.items() if any(a.startswith("m_") for a in v)}
        assert set(metrics) <= {mailbox}, event["type"]
        assert all(a.startswith("m_warmup_") for v in metrics.values() for a in v)
        counters = [a for v in adds.values() for a in v if a.startswith("n_")]
        assert all(a.startswith("n_warmup_message_") for a in counters), event["type"]
    sent = next(e for e in events if e["type"] == "message.sent")
    assert event_increments(sent, Enrichment(facts))[mailbox] == {"m_warmup_sent": 1}
    # counted apart: neither the mailbox's daily cap nor the month's allowance sees them
    counters = FakeCounters()
    assert counters.apply_many(events, {e["event_id"]: Enrichment(facts) for e in events})
    day = counters.read(cw.tenant_id, mailbox_day_period(stored.mailbox_id, DAY))
    assert day == {"warmup_message_sent": 1}
    month = counters.read(cw.tenant_id, month_period(DAY[:7]))
    assert month["warmup_message_sent"] == 1 and "message_sent" not in month


def test_a_warmup_hard_bounce_bounces_the_message_but_suppresses_nobody(cw):
    # a pool bounce counts against the sender in the warm-up's gates; the pool address is
    # not one of the tenant's contacts, so the tenant's list stays as it was
    cw.sink.script("pool-b@partner.test", "550 5.1.1 no such user")
    outcome, _ = _enqueue_and_send(cw, _send(cw, "b"))
    assert outcome == "bounced"
    assert not cw.world.suppressions.check([(cw.tenant_id, "pool-b@partner.test")])
    assert "recipient.suppressed" not in cw.world.events.types()
