"""The ports bundle every campaigns use case takes (built by ``campaigns.wiring``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.campaigns.ports import (
        CampaignSender,
        CampaignStore,
        Contacts,
        EnrolmentStore,
        Mailboxes,
        Plans,
        Templates,
    )
    from chalicelib.core.clock import Clock


@dataclass
class CampaignPorts:
    campaigns: CampaignStore
    enrolments: EnrolmentStore
    contacts: Contacts
    sender: CampaignSender
    mailboxes: Mailboxes
    templates: Templates
    plans: Plans
    clock: Clock
