"""The sending side of campaigns over the in-memory world: ``memory_world``'s stores (one
tenant, a verified domain with a real DKIM key, one mailbox, an SMTP sink), the ports of
``enqueue_campaign`` and ``mailbox_capacity`` over those same stores, and ``a_send``, a
campaign step's send to one contact."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.sending.rules.campaigns import CampaignSend, campaign_message_id
from chalicelib.sending.rules.messages import CampaignLink
from chalicelib.sending.service.campaign import CampaignPorts
from chalicelib.sending.service.capacity import CapacityPorts
from tests.fakes.sending import World, memory_world
from tests.fakes.smtp import SmtpSink

CAMPAIGN = "cmp_aaaaaaaaaaaaaaaaaaaa"


@dataclass
class CampaignWorld:
    world: World
    sink: SmtpSink
    enqueue: CampaignPorts
    capacity: CapacityPorts

    @property
    def tenant_id(self) -> str:
        return str(self.world.tenant.tenant_id)

    def send(self, contact: str, step: int = 1, **changes: Any) -> CampaignSend:
        return a_send(self.world, contact, step, **changes)


def campaign_world() -> CampaignWorld:
    sink = SmtpSink()
    world = memory_world(sink.factory)
    ports = world.ports
    enqueue = CampaignPorts(
        messages=world.messages,
        bodies=world.bodies,
        mailboxes=ports.mailboxes,
        counters=world.counters,
        queue=world.queues,
        clock=ports.clock,
    )
    capacity = CapacityPorts(
        mailboxes=ports.mailboxes,
        counters=world.counters,
        breakers=ports.breakers,
        cooldowns=ports.cooldowns,
        clock=ports.clock,
    )
    return CampaignWorld(world, sink, enqueue, capacity)


def a_send(world: World, contact: str, step: int = 1, **changes: Any) -> CampaignSend:
    """Step ``step`` of the campaign to ``contact`` (``<contact>@example.test``), from the
    world's mailbox, with a variable in every part."""
    enrolment = f"enr_{contact}"
    send = CampaignSend(
        message_id=campaign_message_id(enrolment, step),
        mailbox_id=world.mailbox.mailbox_id,
        to=f"{contact}@example.test",
        subject="Hello {{ first_name }}" if step == 1 else "Re: Hello {{ first_name }}",
        html=None,
        text="Hi {{ first_name }}, a quick question.",
        variables={"first_name": contact.title()},
        campaign=CampaignLink(CAMPAIGN, enrolment, f"ctc_{contact}", step, "A"),
    )
    return replace(send, **changes)
