"""Inbound effects against in-memory twins; classification itself is tested on its own
(the classifier here is a stand-in returning a fixed verdict)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.fakes.core import FakeClock
from tests.fakes.sending import memory_world
from tests.fakes.smtp import SmtpSink


@dataclass
class Verdict:
    kind: str
    message_ids: tuple[str, ...] = ()
    bounce_type: str | None = None
    recipients: tuple[str, ...] = ()
    status_codes: tuple[str, ...] = ()
    diagnostic: str = ""
    subject: str = "Re: hello"
    from_address: str = "lead@example.test"
    message_id_header: str = "<x@example.test>"
    received_at: str | None = None
    reply_text: str = ""
    feedback_type: str | None = None


@dataclass
class Stores:
    saved: list = field(default_factory=list)
    objects: dict = field(default_factory=dict)
    soft: dict = field(default_factory=dict)

    def save(self, record):
        self.saved.append(record)

    def put_raw(self, key, raw):
        self.objects[key] = raw

    def put_text(self, key, text):
        self.objects[key] = text

    def increment(self, tenant_id, address):
        self.soft[address] = self.soft.get(address, 0) + 1
        return self.soft[address]


@pytest.fixture
def setup():
    from chalicelib.inbound.service import InboundPorts

    world = memory_world(SmtpSink().factory, FakeClock())
    sent = world.message("lead@example.test", status="sent", attempts=1)
    stores, events = Stores(), world.events  # the outbox of the stores' writes
    verdicts: list[Verdict] = []
    ports = InboundPorts(
        messages=world.messages,
        inbound=stores,
        store=stores,
        suppressions=world.suppressions,
        soft_bounces=stores,
        clock=world.ports.clock,
        classify=lambda raw, rcpt: verdicts[-1],
    )
    return ports, world, sent, stores, events, verdicts


def _handle(setup, verdict, uid=1):
    from chalicelib.inbound.service import handle

    ports, world, *_, verdicts = setup
    verdicts.append(verdict)
    return handle(ports, world.mailbox, uid, b"raw bytes")


def test_a_hard_bounce_marks_the_message_bounced_and_suppresses(setup):
    ports, world, sent, stores, events, _ = setup
    record = _handle(
        setup, Verdict("bounce", (sent.message_id,), "hard", ("lead@example.test",), ("5.1.1",))
    )
    stored = world.messages.get(sent.tenant_id, sent.message_id)
    assert stored.status == "bounced" and "5.1.1" in stored.timeline[-1]["reason"]
    assert world.suppressions.check([(sent.tenant_id, "lead@example.test")])
    assert record.matched_message_id == sent.message_id
    assert stores.objects[record.raw_key] == b"raw bytes"
    assert {"message.bounced", "recipient.suppressed"} <= set(events.types())


def test_soft_bounces_suppress_after_three_in_a_row(setup):
    ports, world, sent, stores, events, _ = setup
    for uid in (1, 2):
        _handle(
            setup,
            Verdict("bounce", (sent.message_id,), "soft", ("lead@example.test",), ("4.2.2",)),
            uid,
        )
    assert not world.suppressions.check([(sent.tenant_id, "lead@example.test")])
    assert world.messages.get(sent.tenant_id, sent.message_id).status == "sent"
    _handle(
        setup, Verdict("bounce", (sent.message_id,), "soft", ("lead@example.test",), ("4.2.2",)), 3
    )
    assert world.suppressions.check([(sent.tenant_id, "lead@example.test")])


def test_a_complaint_suppresses_and_is_on_the_timeline(setup):
    ports, world, sent, stores, events, _ = setup
    _handle(setup, Verdict("complaint", (sent.message_id,), feedback_type="abuse"))
    stored = world.messages.get(sent.tenant_id, sent.message_id)
    assert stored.status == "sent" and stored.timeline[-1]["event"] == "complained"
    assert world.suppressions.check([(sent.tenant_id, "lead@example.test")])
    assert "message.complained" in events.types()


@pytest.mark.parametrize(
    ("kind", "event"), [("reply", "message.replied"), ("auto_reply", "message.auto_replied")]
)
def test_replies_are_recorded_with_their_text_in_the_store(setup, kind, event):
    ports, world, sent, stores, events, _ = setup
    record = _handle(setup, Verdict(kind, (sent.message_id,), reply_text="Sounds good!"))
    assert stores.objects[record.reply_text_key] == "Sounds good!"
    assert world.messages.get(sent.tenant_id, sent.message_id).timeline[-1]["event"] == kind
    assert events.types() == [event]


def test_unmatched_mail_is_kept_and_changes_nothing(setup):
    ports, world, sent, stores, events, _ = setup
    record = _handle(setup, Verdict("unknown", ("msg_notoursatall",)))
    assert record.matched_message_id is None and stores.saved == [record]
    assert events.types() == []


def test_the_same_inbound_message_twice_changes_nothing_more(setup):
    ports, world, sent, stores, events, _ = setup
    verdict = Verdict("bounce", (sent.message_id,), "hard", ("lead@example.test",), ("5.1.1",))
    first = _handle(setup, verdict)
    count = len(events.published)
    again = _handle(setup, verdict)
    assert first.inbound_id == again.inbound_id
    assert len(events.published) == count  # no second bounce, no second suppression
