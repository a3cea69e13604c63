"""Campaigns over moto, through the routes and both functions: a 3-step campaign runs from
enrolment to completion (step 1 spread over the mailboxes, a threaded follow-up from the same
mailbox, a reply stopping its contact's sequence, progress from the counters); bad input is
a 422 naming the field with nothing created; another tenant's campaign is a 404; any other
transition is a 409; every lifecycle change is on the stream as its ``campaign.*`` event.
Every reply is held to its declared model (``Api.call``)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core import wiring
from tests.fakes.core import FakeClock
from tests.functional.outbox import kinesis_batch, stream_events
from tests.functional.sending.test_campaign_sending import _bulk_jobs, _deliver_bulk
from tests.functional.worlds import sending_world

ALWAYS = {"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "24:00", "time_zone": "UTC"}


def _steps() -> list[dict]:
    return [
        {"type": "email", "subject": "Hi {{ first_name }}", "text": "Hello from us"},
        {"type": "wait", "hours": 1},
        {"type": "email", "text": "Following up"},
    ]


def _mailboxes(world, api) -> list[str]:
    ids = [world.mailbox["id"]]
    domain = world.mailbox["email"].partition("@")[2]
    for name in ("bob", "carol"):
        body = {
            "email": f"{name}@{domain}",
            "display_name": name,
            "daily_limit": 1000,
            "smtp": {"host": "127.0.0.1", "port": 2525, "username": name, "password": "right"},
        }
        ids.append(api.call("POST", "/v1/mailboxes", world.key, body).data["id"])
    return ids


def _contacts(world, api, n: int) -> list[str]:
    ids = []
    for index in range(n):
        body = {"email": f"lead{index}@example.test", "first_name": f"Lead{index}"}
        reply = api.call("POST", "/v1/contacts", world.key, body)
        assert reply.status_code == 201, reply.data
        ids.append(reply.data["id"])
    return ids


def _campaign(world, api, mailbox_ids, steps=None, **settings) -> dict:
    body = {
        "name": "Outreach",
        "steps": steps or _steps(),
        "settings": {"mailbox_ids": mailbox_ids, "window": ALWAYS, **settings},
    }
    return api.call("POST", "/v1/campaigns", world.key, body)


def _schedule():
    from functions.campaign_scheduler import handler

    return handler({"source": "aws.events"}, None)


def _react(aws, tenant_id: str) -> None:
    from functions.campaign_events import handler

    events = [e for e in stream_events(aws) if e["tenant_id"] == tenant_id]
    assert handler(kinesis_batch(events), None) == {"batchItemFailures": []}


def test_a_three_step_campaign_runs_to_completion(aws, api):
    # given a tenant with three mailboxes, three contacts in a list and a started campaign
    world = sending_world(api)
    mailboxes = _mailboxes(world, api)
    contacts = _contacts(world, api, 3)
    listed = api.call("POST", "/v1/lists", world.key, {"name": "Leads"}).data
    api.call("POST", f"/v1/lists/{listed['id']}/contacts", world.key, {"contact_ids": contacts})
    campaign = _campaign(world, api, mailboxes).data
    path = f"/v1/campaigns/{campaign['id']}"
    assert campaign["steps"][2]["subject"] == "Re: Hi {{ first_name }}"
    assert api.call("POST", path + "/start", world.key).data["status"] == "sending"
    enrolled = api.call("POST", path + "/enrol", world.key, {"list_ids": [listed["id"]]})
    assert enrolled.data == {
        "enrolled": 3,
        "already_enrolled": 0,
        "skipped_suppressed": 0,
        "skipped_inactive": 0,
    }

    # when the scheduler runs and the send worker sends the bulk queue
    assert _schedule()["queued"] == 3
    assert _deliver_bulk(_bulk_jobs(world)) == {"batchItemFailures": []}
    _react(aws, world.tenant_id)

    # then step 1 went to everyone, one per mailbox, and progress shows it
    page = api.call("GET", path + "/contacts", world.key).data
    assert sorted(e["mailbox_id"] for e in page["items"]) == sorted(mailboxes)
    progress = api.call("GET", path, world.key).data["progress"]
    assert (progress["enrolled"], progress["steps"][0]["sent"]) == (3, 3)
    assert progress["steps"][1]["waiting"] == 3

    # when one contact replies, and the wait is over
    first = world.sink.accepted[0][1]
    replier_to = email.message_from_bytes(first, policy=email.policy.default)["To"]
    replier = next(e for e in page["items"] if _email_of(api, world, e["contact_id"]) == replier_to)
    _reply_event(aws, world, replier)
    wiring.override("core.clock", FakeClock(datetime.now(UTC) + timedelta(hours=1, minutes=1)))
    second = _schedule()  # every sequence is now over: the campaign completes
    assert (second["queued"], second["completed"]) == (2, 1)
    assert _deliver_bulk(_bulk_jobs(world)) == {"batchItemFailures": []}
    _react(aws, world.tenant_id)

    # then the follow-ups are threaded replies, and the campaign completed with true counts
    follow_ups = [
        email.message_from_bytes(raw, policy=email.policy.default)
        for _, raw in world.sink.accepted[3:]
    ]
    assert len(follow_ups) == 2 and all(m["In-Reply-To"] for m in follow_ups)
    assert all(m["Subject"].startswith("Re: Hi Lead") for m in follow_ups)
    done = api.call("GET", path, world.key).data
    assert done["status"] == "completed"
    assert (done["progress"]["steps"][1]["sent"], done["progress"]["stopped"]) == (2, 1)
    assert done["progress"]["steps"][0]["replied"] == 1
    assert done["progress"]["finished"] == 3 == len(world.sink.accepted) - 2
    lifecycle = _campaign_events(aws, campaign["id"])
    assert [(e["type"], e.get("actor")) for e in lifecycle] == [
        ("campaign.created", None),
        ("campaign.started", "api"),
        ("campaign.completed", "scheduler"),
    ]


def _campaign_events(aws, campaign_id: str) -> list[dict]:
    """The campaign's ``campaign.*`` events on the stream, each valid by its schema."""
    from tests.integration.event_contract import event_problems

    mine = [
        e
        for e in stream_events(aws)
        if e.get("campaign_id") == campaign_id and e["type"].startswith("campaign.")
    ]
    assert [event_problems(e) for e in mine] == [[] for _ in mine]
    return mine


def _email_of(api, world, contact_id: str) -> str:
    return api.call("GET", f"/v1/contacts/{contact_id}", world.key).data["email"]


def _reply_event(aws, world, enrolment: dict) -> None:
    """A message.replied event for the enrolment's step 1, as the inbound worker writes it."""
    from chalicelib import campaigns, sending
    from chalicelib.core.events import new_event
    from functions.campaign_events import handler

    message_id = sending.campaign_message_id(enrolment["id"], 1)
    message = sending.messages().get(world.tenant_id, message_id)
    assert message is not None and message.campaign is not None
    event = new_event(
        "message.replied",
        world.tenant_id,
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        message_id=message_id,
        inbound_id="inb_x",
        **message.campaign.event_fields(),
    )
    assert handler(kinesis_batch([event]), None) == {"batchItemFailures": []}
    assert (
        campaigns.enrolment_id(message.campaign.campaign_id, enrolment["contact_id"])
        == enrolment["id"]
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["settings"].update(mailbox_ids=[]), "settings.mailbox_ids"),
        (
            lambda b: b["settings"]["window"].update(start="18:00", end="09:00"),
            "settings.window.start",
        ),
        (
            lambda b: b["settings"]["window"].update(time_zone="Nowhere/City"),
            "settings.window.time_zone",
        ),
        (lambda b: b["steps"][0].update(subject="Hi {{ pet_name }}"), "steps[0].subject"),
        (lambda b: b["steps"][1].update(hours=0), "steps[1].hours"),
        (lambda b: b["steps"][2].update(template_id="tpl_" + "x" * 20), "steps[2].template_id"),
        (lambda b: b.update(steps=[]), "steps"),
        (lambda b: b["settings"].update(unsubscribe_footer=False), "settings.unsubscribe_footer"),
    ],
)
def test_a_bad_campaign_is_a_422_naming_the_field_and_nothing_is_created(aws, api, change, field):
    world = sending_world(api)
    body = {
        "name": "Bad",
        "steps": _steps(),
        "settings": {"mailbox_ids": [world.mailbox["id"]], "window": dict(ALWAYS)},
    }
    change(body)
    reply = api.call("POST", "/v1/campaigns", world.key, body)
    assert (reply.status_code, reply.data["error"]["details"]["field"]) == (422, field)
    assert api.call("GET", "/v1/campaigns", world.key).data["items"] == []


def test_another_tenants_mailbox_contact_and_campaign_are_not_reachable(aws, api):
    mine, theirs = sending_world(api), sending_world(api)
    reply = _campaign(mine, api, [theirs.mailbox["id"]])
    assert (reply.status_code, reply.data["error"]["details"]["field"]) == (
        422,
        "settings.mailbox_ids[0]",
    )
    campaign = _campaign(theirs, api, [theirs.mailbox["id"]]).data
    for method, suffix in (("GET", ""), ("POST", "/start"), ("DELETE", ""), ("GET", "/contacts")):
        assert (
            api.call(method, f"/v1/campaigns/{campaign['id']}{suffix}", mine.key).status_code == 404
        )
    [contact] = _contacts(theirs, api, 1)
    own = _campaign(mine, api, [mine.mailbox["id"]]).data
    enrol = api.call(
        "POST", f"/v1/campaigns/{own['id']}/enrol", mine.key, {"contact_ids": [contact]}
    )
    assert (enrol.status_code, enrol.data["error"]["details"]["field"]) == (422, "contact_ids[0]")


def test_only_the_lifecycles_transitions_are_allowed(aws, api):
    world = sending_world(api)
    campaign = _campaign(world, api, [world.mailbox["id"]]).data
    path = f"/v1/campaigns/{campaign['id']}"
    assert api.call("POST", path + "/pause", world.key).status_code == 409
    assert api.call("POST", path + "/start", world.key).data["status"] == "sending"
    assert api.call("POST", path + "/pause", world.key).data["status"] == "paused"
    assert api.call("DELETE", path, world.key).status_code == 409
    assert api.call("POST", path + "/resume", world.key).data["status"] == "sending"
    assert api.call("POST", path + "/cancel", world.key).data["status"] == "cancelled"
    assert api.call("POST", path + "/start", world.key).status_code == 409
    assert api.call("PATCH", path, world.key, {"name": "Again"}).status_code == 409
    assert api.call("DELETE", path, world.key).data["status"] == "cancelled"
    assert api.call("GET", path, world.key).status_code == 404
    # every change but a refused one stored its event with it
    changes = [(e["type"], e.get("previous_status")) for e in _campaign_events(aws, campaign["id"])]
    assert changes == [
        ("campaign.created", None),
        ("campaign.started", "draft"),
        ("campaign.paused", "sending"),
        ("campaign.resumed", "paused"),
        ("campaign.cancelled", "sending"),
    ]


def test_enrolments_are_listed_page_by_page(aws, api):
    world = sending_world(api)
    contacts = _contacts(world, api, 5)
    campaign = _campaign(world, api, [world.mailbox["id"]]).data
    path = f"/v1/campaigns/{campaign['id']}"
    api.call("POST", path + "/enrol", world.key, {"contact_ids": contacts})
    again = api.call("POST", path + "/enrol", world.key, {"contact_ids": contacts[:2]}).data
    assert (again["enrolled"], again["already_enrolled"]) == (0, 2)
    seen, token = [], None
    while True:
        query = f"?limit=2&next_token={token}" if token else "?limit=2"
        page = api.call("GET", path + "/contacts" + query, world.key).data
        seen += [e["contact_id"] for e in page["items"]]
        token = page["next_token"]
        if token is None:
            break
    assert sorted(seen) == sorted(contacts)
    assert api.call("GET", path + "/contacts?next_token=bogus", world.key).status_code == 400
    empty = api.call("POST", path + "/enrol", world.key, {})
    assert (empty.status_code, empty.data["error"]["details"]["field"]) == (422, "contact_ids")


def test_the_unsubscribe_footer_cannot_be_turned_off_by_a_change_either(aws, api):
    world = sending_world(api)
    campaign = _campaign(world, api, [world.mailbox["id"]]).data
    settings = {"mailbox_ids": [world.mailbox["id"]], "window": ALWAYS}
    path = f"/v1/campaigns/{campaign['id']}"

    off = api.call("PATCH", path, world.key, {"settings": settings | {"unsubscribe_footer": False}})

    error = off.data["error"]
    assert (off.status_code, error["details"]["field"]) == (422, "settings.unsubscribe_footer")
    assert "CAN-SPAM" in error["message"] and error["details"]["reason"] == "mandatory"
    assert api.call("GET", path, world.key).data["settings"]["unsubscribe_footer"] is True


def test_a_persons_export_lists_their_enrolments_and_the_erasure_deletes_them(aws, api):
    # given a contact enrolled in a running campaign and sent step 1
    world = sending_world(api)
    person, other = _contacts(world, api, 2)
    campaign = _campaign(world, api, [world.mailbox["id"]]).data
    path = f"/v1/campaigns/{campaign['id']}"
    api.call("POST", path + "/enrol", world.key, {"contact_ids": [person, other]})
    api.call("POST", path + "/start", world.key)
    _schedule()
    # when
    exported = api.call("GET", f"/v1/contacts/{person}/export", world.key).data
    erased = api.call("DELETE", f"/v1/contacts/{person}?erase=true", world.key).data
    # then
    [enrolled] = exported["sources"]["campaigns"]
    assert (enrolled["campaign_id"], enrolled["campaign_name"]) == (campaign["id"], "Outreach")
    assert (enrolled["contact_id"], enrolled["step"], enrolled["status"]) == (person, 1, "active")
    assert erased["sources"]["campaigns"] == 1
    left = api.call("GET", path + "/contacts", world.key).data["items"]
    assert [e["contact_id"] for e in left] == [other]
    progress = api.call("GET", path, world.key).data["progress"]
    assert (progress["enrolled"], progress["finished"], progress["steps"][0]["queued"]) == (2, 1, 2)
