"""One campaign email as the sender takes it: the step's content (or its A/B variant's,
picked deterministically per enrolment and step, or the step's auto-winner once one is
recorded), inline or from a template, the contact's
variables, and the thread: a follow-up answers the previous email of the sequence
(``In-Reply-To``, the ``References`` so far, ``Re:`` subject, the same mailbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.campaigns.model import Link, Outgoing
from chalicelib.campaigns.rules.variants import pick_variant, variant_seed

if TYPE_CHECKING:
    from chalicelib.campaigns.model import Campaign, Enrolment
    from chalicelib.campaigns.service.bundle import CampaignPorts

CONTENT = ("template_id", "subject", "html", "text")


class Contents:
    """The sources of a campaign's steps, templates read once per run."""

    def __init__(self, ports: CampaignPorts, campaign: Campaign) -> None:
        self._ports = ports
        self._campaign = campaign
        self._templates: dict[str, dict[str, Any]] = {}

    def variant(self, position: int, enrolment_id: str) -> str | None:
        variants = self._campaign.steps[position].get("variants") or []
        if not variants:
            return None
        number = self._campaign.email_number(position)
        chosen = self._campaign.winners.get(str(number))
        if chosen in {v["name"] for v in variants}:
            return chosen
        weights = {v["name"]: int(v.get("weight", 1)) for v in variants}
        return pick_variant(weights, variant_seed(enrolment_id, number))

    def sources(self, position: int, variant: str | None) -> dict[str, Any]:
        step = self._campaign.steps[position]
        chosen = next((v for v in step.get("variants") or [] if v["name"] == variant), None)
        content = {k: step.get(k) for k in CONTENT}
        if chosen is not None and any(chosen.get(k) for k in CONTENT):
            content = {k: chosen.get(k) for k in CONTENT}
        if content.get("template_id"):
            found = self._template(str(content["template_id"]))
            content = {**found, "subject": content.get("subject") or found["subject"]}
        if not content.get("subject") and position > 0:
            content["subject"] = "Re: " + self.sources(0, None)["subject"]
        return content

    def _template(self, template_id: str) -> dict[str, Any]:
        if template_id not in self._templates:
            found = self._ports.templates.sources(self._campaign.tenant_id, template_id)
            if found is None:
                raise LookupError(f"template {template_id} is gone")
            self._templates[template_id] = found
        return self._templates[template_id]


def outgoing(
    ports: CampaignPorts,
    contents: Contents,
    campaign: Campaign,
    enrolment: Enrolment,
    contact: Any,
    mailbox_id: str,
) -> Outgoing:
    position = enrolment.position
    number = campaign.email_number(position)
    variant = contents.variant(position, enrolment.enrolment_id)
    source = contents.sources(position, variant)
    threaded = number > 1 and bool(campaign.steps[position].get("thread", True)) and enrolment.refs
    settings = campaign.settings
    return Outgoing(
        message_id=ports.sender.message_id(enrolment.enrolment_id, number),
        mailbox_id=mailbox_id,
        to=contact.email,
        subject=source["subject"],
        html=source.get("html"),
        text=source.get("text"),
        variables=contact.variables(),
        campaign=Link(
            campaign.campaign_id, enrolment.enrolment_id, contact.contact_id, number, variant
        ),
        in_reply_to=enrolment.refs[-1] if threaded else None,
        references=enrolment.refs if threaded else (),
        track_opens=bool(settings.get("track_opens", True)),
        track_clicks=bool(settings.get("track_clicks", True)),
    )
