"""Warm-up mail arriving in a mailbox (real classifier, in-memory stores): mail with an
``X-PM-Warmup`` header, or answering one of our warm-up messages, is kept as ``warmup`` and
is never a reply, a lead or a campaign's reaction; a person's reply to our own warm-up
message is noted on it, and its event counts only as the mailbox's ``warmup_replies``."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.analytics.rules.counting import Enrichment, event_increments
from chalicelib.inbound.rules.classify import classify
from chalicelib.sending.rules.campaigns import rfc_message_id
from chalicelib.sending.rules.messages import CampaignLink
from chalicelib.sending.store import to_item
from tests.fakes.core import FakeClock
from tests.fakes.sending import memory_world
from tests.fakes.smtp import SmtpSink


@dataclass
class Stores:
    saved: list = field(default_factory=list)
    objects: dict = field(default_factory=dict)
    ended: list = field(default_factory=list)

    def save(self, record):
        self.saved.append(record)

    def put_raw(self, key, raw):
        self.objects[key] = raw

    def put_text(self, key, text):
        self.objects[key] = text

    def record(self, tenant_id, address, source_id):
        return 1

    def end(self, tenant_id, address):
        self.ended.append(address)


@pytest.fixture
def setup():
    from chalicelib.inbound.service import InboundPorts

    world = memory_world(SmtpSink().factory, FakeClock())
    warm = world.message(
        "pool@partner.test",
        status="sent",
        attempts=1,
        tags=("warmup",),
        metadata={"purpose": "warmup", "warmup_on": "2026-11-28", "warmup_day": "3"},
        track_opens=False,
        track_clicks=False,
    )
    link = CampaignLink("cmp_aaaaaaaaaaaaaaaaaaaa", "enr_ann", "ctc_ann", 1, None)
    lead = world.message("ann@example.test", status="sent", attempts=1, campaign=link)
    stores = Stores()
    ports = InboundPorts(
        messages=world.messages,
        inbound=stores,
        store=stores,
        suppressions=world.suppressions,
        soft_bounces=stores,
        clock=world.ports.clock,
        classify=classify,
        unsubscribe=lambda tenant_id, message_id, how: pytest.fail("not an unsubscribe"),
    )
    return ports, world, warm, lead, stores


def _mail(*headers: str, body: str = "Thanks, sounds great!") -> bytes:
    head = "\r\n".join(
        (
            "From: Pool <pool@partner.test>",
            "To: alice@bench.test",
            "Subject: Re: hello",
            "Message-ID: <reply1@partner.test>",
            *headers,
        )
    )
    return f"{head}\r\n\r\n{body}\r\n".encode()


def _handle(ports, world, raw: bytes, uid: int = 1):
    from chalicelib.inbound.service import handle

    return handle(ports, world.mailbox, uid, raw)


def _ref(message) -> str:
    return rfc_message_id(message.message_id, message.from_address)


def test_a_reply_to_our_warmup_message_is_warmup_mail_noted_only_as_a_warmup_reply(setup):
    ports, world, warm, _, stores = setup

    record = _handle(ports, world, _mail(f"In-Reply-To: {_ref(warm)}", "X-PM-Warmup: tok"))

    # kept, as warm-up mail (not a reply: never a lead), matched to our message, no text kept
    assert record.kind == "warmup" and record.matched_message_id == warm.message_id
    assert stores.saved == [record] and record.reply_text_key is None
    # noted on the warm-up message, its one event a reply that names no campaign
    stored = world.messages.get(warm.tenant_id, warm.message_id)
    assert stored.timeline[-1]["event"] == "reply" and stored.timeline[-1]["warmup"] is True
    assert world.events.types() == ["message.replied"]
    event = world.events.published[0]
    assert "campaign_id" not in event and "enrolment_id" not in event
    # which analytics counts only as the mailbox's warm-up replies
    from chalicelib.sending.engagement_store import facts_of

    adds = event_increments(event, Enrichment(facts_of(to_item(stored))))
    metrics = {k: v for k, v in adds.items() if any(a.startswith("m_") for a in v)}
    assert metrics == {f"m#{warm.mailbox_id}#day#2026-11-28": {"m_warmup_replies": 1}}
    assert all("n_message_replied" not in v for v in adds.values())
    assert stores.ended == []  # a warm-up partner does not end a recipient's bounce run


def test_the_same_reply_twice_is_noted_once(setup):
    ports, world, warm, _, _ = setup
    raw = _mail(f"In-Reply-To: {_ref(warm)}")
    _handle(ports, world, raw, uid=7)
    _handle(ports, world, raw, uid=7)
    assert world.events.types() == ["message.replied"]


def test_warmup_mail_from_another_tenant_is_kept_and_does_nothing(setup):
    ports, world, _, _, stores = setup
    record = _handle(ports, world, _mail("X-PM-Warmup: AQQCazE"))
    assert record.kind == "warmup" and record.matched_message_id is None
    assert stores.saved == [record] and world.events.types() == []


def test_warmup_mail_quoting_a_campaign_message_never_stops_its_sequence(setup):
    # a pool partner's mail that happens to name a campaign message and carries the header
    ports, world, _, lead, _ = setup
    record = _handle(ports, world, _mail(f"In-Reply-To: {_ref(lead)}", "X-PM-Warmup: tok"))
    assert record.kind == "warmup"
    assert world.events.types() == []  # no message.replied: the campaign never hears of it
    stored = world.messages.get(lead.tenant_id, lead.message_id)
    assert [e.get("event") for e in stored.timeline] == [None]


def test_an_auto_reply_to_a_warmup_message_is_warmup_mail_and_is_not_recorded(setup):
    ports, world, warm, _, _ = setup
    raw = _mail(f"In-Reply-To: {_ref(warm)}", "Auto-Submitted: auto-replied")
    record = _handle(ports, world, raw)
    assert record.kind == "warmup" and world.events.types() == []


def test_a_reply_to_a_campaign_message_is_still_a_reply(setup):
    ports, world, _, lead, _ = setup
    record = _handle(ports, world, _mail(f"In-Reply-To: {_ref(lead)}"))
    assert record.kind == "reply" and world.events.types() == ["message.replied"]
    assert world.events.published[0]["campaign_id"] == "cmp_aaaaaaaaaaaaaaaaaaaa"
