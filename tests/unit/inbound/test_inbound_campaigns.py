"""Inbound mail about a campaign's message: its reply, auto-reply, complaint and unsubscribe
events name the campaign, the enrolment, the contact, the step and the variant, and an
out-of-office reply's event carries the return date its text gives."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.mail.addresses import unsubscribe_mailto
from chalicelib.sending import CampaignLink
from tests.integration.event_contract import event_problems
from tests.unit.inbound.test_inbound_service import Verdict, _handle, _mail_to, setup  # noqa: F401

LINK = CampaignLink("cmp_aaaaaaaaaaaaaaaaaaaa", "enr_bbbbbbbbbbbbbbbbbbbb", "ctc_cc", 2, "B")
CAMPAIGN_FIELDS = {
    "campaign_id": LINK.campaign_id,
    "enrolment_id": LINK.enrolment_id,
    "contact_id": "ctc_cc",
    "step": 2,
    "variant": "B",
}


@pytest.fixture
def campaign(setup):  # noqa: F811 - the inbound service's setup, its message a campaign's
    ports, world, sent, stores, events, verdicts = setup
    sent = replace(sent, campaign=LINK)
    world.messages.items[(sent.tenant_id, sent.message_id)] = (sent, 0)
    return ports, world, sent, stores, events, verdicts


def _fields(event: dict) -> dict:
    return {name: event.get(name) for name in CAMPAIGN_FIELDS}


@pytest.mark.parametrize(
    ("verdict", "event_type"),
    [
        (Verdict("reply", reply_text="Sounds good"), "message.replied"),
        (Verdict("auto_reply", reply_text="I am away."), "message.auto_replied"),
        (Verdict("complaint", feedback_type="abuse"), "message.complained"),
    ],
)
def test_inbound_events_of_a_campaign_message_name_its_campaign(campaign, verdict, event_type):
    _, _, sent, _, events, _ = campaign
    _handle(campaign, replace(verdict, message_ids=(sent.message_id,)))
    [event] = [e for e in events.published if e["type"] == event_type]
    assert _fields(event) == CAMPAIGN_FIELDS
    assert event_problems(event) == []


def test_an_unsubscribe_by_mail_names_the_campaign(campaign):
    _, _, sent, _, events, _ = campaign
    raw = _mail_to(unsubscribe_mailto(sent.message_id, "bench.test"))
    _handle(campaign, Verdict("reply"), raw=raw)
    [event] = [e for e in events.published if e["type"] == "message.unsubscribed"]
    assert _fields(event) == CAMPAIGN_FIELDS and event_problems(event) == []


@pytest.mark.parametrize(
    ("subject", "text", "return_on"),
    [
        ("Out of office", "I will be back on Monday 14 December.", "2026-12-14"),
        ("Automatic reply: back 12/14", "Thanks for your message.", "2026-12-14"),
        ("Out of office", "I am away with limited access to email.", None),
    ],
)
def test_an_out_of_office_reply_carries_its_return_date(campaign, subject, text, return_on):
    # given an auto-reply received on 10 December 2026
    _, _, sent, _, events, _ = campaign
    verdict = Verdict(
        "auto_reply",
        (sent.message_id,),
        subject=subject,
        reply_text=text,
        received_at="2026-12-10T09:00:00.000Z",
    )

    # when
    _handle(campaign, verdict)

    # then
    [event] = events.published
    assert event.get("return_on") == return_on
    assert event_problems(event) == []


def test_a_reply_carries_no_return_date(campaign):
    _, _, sent, _, events, _ = campaign
    text = "Thanks, I will be back on Monday 14 December with an answer."
    _handle(campaign, Verdict("reply", (sent.message_id,), reply_text=text))
    assert "return_on" not in events.published[0]
