"""A tenant with three mailboxes and a 3-step campaign (email, wait 48 h, threaded email)
over the campaigns twins, for the service tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.campaigns.service import campaigns, enrolment
from chalicelib.core.tenancy import system_context
from tests.fakes.campaigns import World, world
from tests.fakes.core import FakeClock

TENANT = "ten_" + "a" * 20
CTX = system_context(TENANT, "business")
MAILBOXES = ["mbx_aaaaaaaaaaaaaaaaaaaa", "mbx_bbbbbbbbbbbbbbbbbbbb", "mbx_cccccccccccccccccccc"]
TUESDAY_MORNING = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def steps() -> list[dict[str, Any]]:
    return [
        {"type": "email", "subject": "Hi {{ first_name }}", "text": "Hello {{ company }}"},
        {"type": "wait", "hours": 48},
        {"type": "email", "text": "Just following up"},
    ]


def settings(**extra: Any) -> dict[str, Any]:
    window = {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
    return {"mailbox_ids": list(MAILBOXES), "window": window | {"time_zone": "UTC"}, **extra}


def ready(contacts: int = 30, at: datetime = TUESDAY_MORNING, **extra: Any) -> tuple[World, Any]:
    """A started campaign with ``contacts`` enrolled."""
    w = world(FakeClock(at))
    for index, mailbox in enumerate(MAILBOXES):
        w.mailboxes.mailboxes[(TENANT, mailbox)] = f"sender{index}@outreach.test"
    people = w.contacts.add(TENANT, contacts, first_name="Ann", company="Acme")
    made = campaigns.create(w.ports, CTX, "Outreach", steps(), settings(**extra))
    campaigns.act(w.ports, CTX, made.campaign_id, "start")
    enrolment.enrol(w.ports, CTX, made.campaign_id, [p.contact_id for p in people], [])
    return w, w.campaigns.get(TENANT, made.campaign_id)


def sent_by_step(w: World) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for send in w.sender.sent.values():
        found.setdefault(send.campaign.step, []).append(send)
    return found
