"""A campaign's messages on the send path: their ids before they exist (``campaign_message_id``,
``rfc_message_id``), a follow-up threaded on the first message (In-Reply-To and References,
DKIM-signed) as the worker builds it, the campaign's fields on every status event, and the
campaign's id and step in the message's reply."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from datetime import UTC, datetime

import dkim
import pytest

from chalicelib.core import ids
from chalicelib.sending.mime import build as mime
from chalicelib.sending.rules.campaigns import campaign_message_id, rfc_message_id
from chalicelib.sending.rules.messages import status_event
from chalicelib.sending.schemas import MessageReply
from chalicelib.sending.service.campaign import enqueue
from tests.fakes.campaign_sending import CAMPAIGN, CampaignWorld, campaign_world
from tests.fakes.sending import run_batch
from tests.functional.reply_contract import strict_problems
from tests.integration.event_contract import event_problems

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def cw() -> CampaignWorld:
    return campaign_world()


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _email(message_id: str, **changes: object) -> mime.OutgoingEmail:
    base = mime.OutgoingEmail(
        message_id=message_id, from_address="Sales@Acme.Test", from_name="Acme", to="a@b.test",
        subject="Hi", html=None, text="Hello", reply_to=None, headers={},
        sending_domain="acme.test", bounce_domain="bounces.acme.test", unsubscribe_url=None,
        unsubscribe_mailto=None, bulk=False, postal_address=None,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


# --- ids --------------------------------------------------------------------------------------


def test_a_campaign_message_id_is_the_same_for_the_same_enrolment_and_step():
    first = campaign_message_id("enr_abc", 1)
    assert first == campaign_message_id("enr_abc", 1)
    assert len({first, campaign_message_id("enr_abc", 2), campaign_message_id("enr_abd", 1)}) == 3
    assert ids.is_well_formed(first, "msg") and re.fullmatch(r"msg_[a-z2-7]+", first)


def test_derived_ids_are_well_formed_for_any_prefix_and_seed():
    for prefix, seed in (("enr", "cmp_x:ctc_y"), ("cmp", ""), ("msg", "ü" * 500)):
        assert ids.is_well_formed(ids.derived_id(prefix, seed), prefix)


@pytest.mark.parametrize("sender", ["sales@acme.test", "Sales@ACME.test", "s@bücher.example"])
def test_rfc_message_id_is_the_message_id_header_the_builder_writes(sender):
    message_id = campaign_message_id("enr_abc", 1)
    raw, _, _ = mime.build(_email(message_id, from_address=sender), NOW)
    assert _parse(raw)["Message-ID"] == rfc_message_id(message_id, sender)


# --- threading --------------------------------------------------------------------------------


def _dnsfunc(public_key: str):
    record = b"v=DKIM1; k=rsa; p=" + public_key.encode()

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == b"pm1._domainkey.bench.test." else None

    return lookup


def _sent(cw: CampaignWorld, send) -> bytes:
    [outcome] = enqueue(cw.enqueue, cw.tenant_id, "business", [send])
    message = cw.world.messages.get(cw.tenant_id, outcome.message_id)
    assert run_batch(cw.world, message, queue="bulk") == ["sent"]
    return cw.sink.accepted[-1][1]


def test_a_follow_up_is_threaded_on_the_first_message_and_signed(cw):
    # given the first step, sent
    first = cw.send("ann")
    first_raw = _sent(cw, first)
    first_id = _parse(first_raw)["Message-ID"]

    # when step 2 follows up on it, naming its Message-ID before reading anything back
    thread = rfc_message_id(first.message_id, cw.world.mailbox.email)
    follow_up = cw.send("ann", step=2, in_reply_to=thread, references=(thread,))
    raw = _sent(cw, follow_up)

    # then its thread fields name the first message, and the signature covers them
    parsed = _parse(raw)
    assert thread == first_id
    assert parsed["In-Reply-To"] == first_id and parsed["References"] == first_id
    assert parsed["Subject"] == "Re: Hello Ann" and parsed["Message-ID"] != first_id
    assert "In-Reply-To" not in _parse(first_raw)
    assert dkim.verify(raw, dnsfunc=_dnsfunc(cw.world.public_key))
    tags = str(parsed["DKIM-Signature"]).replace(" ", "").replace("\r\n", "")
    signed = re.search(r"h=([^;]+);", tags).group(1).split(":")
    assert {"in-reply-to", "references", "subject"} <= set(signed)
    forged = raw.replace(b"In-Reply-To: <msg_", b"In-Reply-To: <msg_x")
    assert not dkim.verify(forged, dnsfunc=_dnsfunc(cw.world.public_key))


def test_a_long_references_keeps_the_first_and_the_latest_ids():
    thread = tuple(f"<msg_{n:03d}.abc@acme.test>" for n in range(30))
    raw, _, _ = mime.build(_email("msg_abc", in_reply_to=thread[-1], references=thread), NOW)
    kept = str(_parse(raw)["References"]).split()
    assert kept == [thread[0], *thread[-(mime.MAX_REFERENCES - 1) :]]


@pytest.mark.parametrize(
    "changes",
    [
        {"in_reply_to": "no-brackets@acme.test"},
        {"in_reply_to": "<a@b>\r\nBcc: x@y.test"},
        {"references": ("<a b@c>",)},
        {"in_reply_to": "<a@b>", "headers": {"In-Reply-To": "<c@d>"}},
    ],
)
def test_thread_fields_that_cannot_be_written_are_refused(changes):
    with pytest.raises(ValueError):
        mime.build(_email("msg_abc", **changes), NOW)


# --- events and replies -----------------------------------------------------------------------


def test_status_events_carry_the_campaign_and_a_guards_step_keeps_its_name(cw):
    # given a stored campaign message
    send = cw.send("bob")
    enqueue(cw.enqueue, cw.tenant_id, "business", [send])
    message = cw.world.messages.get(cw.tenant_id, send.message_id)

    # when its events are made
    sent = status_event(message, "sent", NOW.isoformat(), attempt=1, smtp_code=250)
    held = status_event(
        message, "suppressed", NOW.isoformat(), step="hold_if_suppressed", reason="on the list"
    )

    # then
    assert (sent["campaign_id"], sent["step"], sent["variant"]) == (CAMPAIGN, 1, "A")
    assert (held["step"], held["campaign_step"]) == ("hold_if_suppressed", 1)
    assert held["enrolment_id"] == "enr_bob"
    assert event_problems(held) == []


def test_a_campaign_messages_reply_shows_its_campaign_and_step(cw):
    send = cw.send("cat", step=3)
    enqueue(cw.enqueue, cw.tenant_id, "business", [send])
    message = cw.world.messages.get(cw.tenant_id, send.message_id)
    public = message.to_public()
    assert (public["campaign_id"], public["step"]) == (CAMPAIGN, 3)
    assert strict_problems(MessageReply, public) == []
    plain = dataclasses.replace(message, campaign=None).to_public(with_timeline=False)
    assert "campaign_id" not in plain and "step" not in plain
    assert strict_problems(MessageReply, plain) == []
