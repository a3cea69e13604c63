"""The warm-up routes over the emulator: start on a plan (the mailbox becomes warming on it),
read, pause / resume / stop with 409 on a wrong transition; bad input names the field, and
another tenant's mailbox is a 404. The workflow is the recording twin."""

from __future__ import annotations

import secrets

import pytest

from tests.fakes.probe import FakeProber
from tests.fakes.warmup import RecordingWorkflow


@pytest.fixture
def workflow(aws) -> RecordingWorkflow:
    from chalicelib.core import wiring

    wiring.override("mailboxes.probe", FakeProber())
    recording = RecordingWorkflow()
    wiring.override("warmup.workflow", recording)
    return recording


def _mailbox(api) -> tuple[str, str]:
    """A business tenant's key and a mailbox of it on a fresh domain."""
    _, key, mailbox_id = _tenant_mailbox(api)
    return key, mailbox_id


def _tenant_mailbox(api) -> tuple[str, str, str]:
    """A business tenant's id and key, and a mailbox of it on a fresh domain."""
    tenant, key = api.new_tenant("business")
    domain = f"warm-{secrets.token_hex(4)}.test"
    assert api.call("POST", "/v1/domains", key, {"name": domain}).status_code == 201
    smtp = {"host": "127.0.0.1", "port": 2525, "username": "a", "password": "right"}
    created = api.call(
        "POST", "/v1/mailboxes", key, {"email": f"alice@{domain}", "smtp": smtp, "daily_limit": 40}
    )
    assert created.status_code == 201, created.data
    return tenant["id"], key, created.data["id"]


def _url(mailbox_id: str, action: str = "") -> str:
    return f"/v1/mailboxes/{mailbox_id}/warmup" + (f"/{action}" if action else "")


def test_start_puts_the_mailbox_in_warmup_and_starts_the_workflow(api, workflow):
    key, mbx = _mailbox(api)
    started = api.call("POST", _url(mbx), key, {"plan": "standard"})
    assert started.status_code == 201, started.data
    body = started.data
    assert (body["status"], body["plan"], body["pool"], body["day"]) == (
        "warming",
        "standard",
        True,
        0,
    )
    assert (body["today"]["target"], body["today"]["sent"], body["last_day"]) == (10, 0, 42)
    assert body["last_decision"] is None and len(body["history"]) == 1
    assert api.call("GET", f"/v1/mailboxes/{mbx}", key).data["status"] == "warming"
    assert [c[0] for c in workflow.calls if c[2] == mbx] == ["start"]
    assert api.call("GET", _url(mbx), key).data == body


def test_starting_twice_is_a_409(api, workflow):
    key, mbx = _mailbox(api)
    assert (
        api.call("POST", _url(mbx), key, {"plan": "aggressive", "pool": False}).status_code == 201
    )
    again = api.call("POST", _url(mbx), key, {"plan": "standard"})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan": "reckless"}, "plan"),
        ({}, "plan"),
        ({"plan": "standard", "pool": "maybe"}, "pool"),
        ({"plan": "standard", "speed": 3}, "speed"),
    ],
)
def test_bad_input_names_the_field(api, workflow, body, field):
    key, mbx = _mailbox(api)
    reply = api.call("POST", _url(mbx), key, body)
    assert reply.status_code in (400, 422), reply.data
    assert field in str(reply.data["error"])
    assert api.call("GET", _url(mbx), key).status_code == 404


def test_another_tenants_mailbox_is_a_404(api, workflow):
    key, mbx = _mailbox(api)
    stranger, _ = _mailbox(api)
    assert api.call("POST", _url(mbx), stranger, {"plan": "standard"}).status_code == 404
    assert api.call("POST", _url(mbx), key, {"plan": "standard"}).status_code == 201
    for method, action in (("GET", ""), ("POST", "pause"), ("POST", "resume"), ("POST", "stop")):
        assert api.call(method, _url(mbx, action), stranger).status_code == 404
    assert api.call("GET", _url(mbx), key).data["status"] == "warming"
    missing = api.call("POST", _url("mbx_nothere"), key, {"plan": "standard"})
    assert missing.status_code == 404


def test_transitions_and_their_conflicts(api, workflow):
    key, mbx = _mailbox(api)
    assert api.call("POST", _url(mbx, "pause"), key).status_code == 404  # no warm-up yet
    api.call("POST", _url(mbx), key, {"plan": "conservative"})
    assert api.call("POST", _url(mbx, "resume"), key).status_code == 409
    paused = api.call("POST", _url(mbx, "pause"), key)
    assert (paused.status_code, paused.data["status"]) == (200, "paused")
    assert api.call("POST", _url(mbx, "pause"), key).status_code == 409
    assert api.call("POST", _url(mbx, "resume"), key).data["status"] == "warming"
    stopped = api.call("POST", _url(mbx, "stop"), key)
    assert (stopped.status_code, stopped.data["status"]) == (200, "stopped")
    assert api.call("GET", f"/v1/mailboxes/{mbx}", key).data["status"] == "active"
    for action in ("pause", "resume", "stop"):
        assert api.call("POST", _url(mbx, action), key).status_code == 409
    assert [c[0] for c in workflow.calls if c[2] == mbx] == ["start", "start", "stop"]
    restarted = api.call("POST", _url(mbx), key, {"plan": "standard"})
    assert (restarted.status_code, restarted.data["plan"]) == (201, "standard")


def test_a_paused_mailbox_is_not_warmed(api, workflow):
    key, mbx = _mailbox(api)
    assert api.call("PATCH", f"/v1/mailboxes/{mbx}", key, {"status": "paused"}).status_code == 200
    reply = api.call("POST", _url(mbx), key, {"plan": "standard"})
    assert reply.status_code == 409
    assert api.call("GET", _url(mbx), key).status_code == 404


def test_get_shows_todays_placement_and_engagement_from_the_pool_counters(api, workflow):
    from chalicelib.aws import clients
    from chalicelib.warmup.store import WarmupItem, pool_counters_key

    # given a warming mailbox whose mail of today the pool placed and opened
    tenant_id, key, mbx = _tenant_mailbox(api)
    started = api.call("POST", _url(mbx), key, {"plan": "standard"}).data
    on = started["today"]["on"]
    clients.dynamodb().update_item(
        TableName=WarmupItem.Meta.table_name,  # type: ignore[attr-defined]
        Key={"tenant_id": {"S": tenant_id}, "sk": {"S": pool_counters_key(mbx, on)}},
        UpdateExpression="ADD inbox :i, spam :s, opened :o, replied :r",
        ExpressionAttributeValues={
            ":i": {"N": "6"},
            ":s": {"N": "2"},
            ":o": {"N": "5"},
            ":r": {"N": "1"},
        },
    )
    # when the tenant reads the warm-up
    today = api.call("GET", _url(mbx), key).data["today"]
    # then today's inbox vs spam placement and engagement are the pool's
    assert (today["inbox"], today["spam"], today["opened"], today["replied"]) == (6, 2, 5, 1)
    assert today["inbox_rate"] == 0.75
