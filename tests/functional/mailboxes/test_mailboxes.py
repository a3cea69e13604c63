"""Mailboxes through the API, with a prober twin (the real probe runs in integration)."""

from __future__ import annotations

import boto3
import pytest

from tests.fakes.probe import FakeProber


@pytest.fixture
def prober(aws):
    from chalicelib.core import wiring

    fake = FakeProber()
    wiring.override("mailboxes.probe", fake)
    return fake


def _tenant_with_domain(api, name: str) -> str:
    _, key = api.new_tenant("business")
    assert api.call("POST", "/v1/domains", key, {"name": name}).status_code == 201
    return key


def _mailbox(email: str, password: str = "right", **extra) -> dict:
    return {
        "email": email,
        "display_name": "Alice",
        "smtp": {
            "host": "127.0.0.1",
            "port": 2525,
            "security": "starttls",
            "username": email,
            "password": password,
        },
        "daily_limit": 40,
        **extra,
    }


def test_a_mailbox_is_created_without_ever_returning_its_password(api, prober):
    key = _tenant_with_domain(api, "mbx.test")
    created = api.call("POST", "/v1/mailboxes", key, _mailbox("alice@mbx.test"))
    assert created.status_code == 201, created.data
    body = created.data
    assert body["status"] == "active" and body["remaining_today"] == 40
    assert "right" not in str(body) and body["smtp"]["password_set"] is True
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(
        "penguinmails-local-mailboxes"
    )
    items = table.scan()["Items"]  # test-only inspection of storage
    assert all("right" not in str(i) for i in items)


def test_the_address_must_be_on_one_of_the_tenants_domains(api, prober):
    key = _tenant_with_domain(api, "mine.test")
    reply = api.call("POST", "/v1/mailboxes", key, _mailbox("bob@elsewhere.test"))
    assert reply.status_code == 422 and reply.data["error"]["details"]["field"] == "email"


def test_testing_a_mailbox_records_each_step_and_the_failing_one(api, prober):
    key = _tenant_with_domain(api, "probe.test")
    good = api.call("POST", "/v1/mailboxes", key, _mailbox("ok@probe.test")).data
    bad = api.call("POST", "/v1/mailboxes", key, _mailbox("no@probe.test", "wrong")).data
    passed = api.call("POST", f"/v1/mailboxes/{good['id']}/test", key).data
    assert passed["last_test"]["ok"] and passed["status"] == "active"
    failed = api.call("POST", f"/v1/mailboxes/{bad['id']}/test", key).data
    assert failed["last_test"]["failed_step"] == "auth" and failed["status"] == "error"


def test_pause_and_resume_record_who_and_why(api, prober):
    key = _tenant_with_domain(api, "pause.test")
    box = api.call("POST", "/v1/mailboxes", key, _mailbox("p@pause.test")).data
    paused = api.call(
        "PATCH", f"/v1/mailboxes/{box['id']}", key, {"status": "paused", "reason": "holiday"}
    ).data
    assert paused["status"] == "paused" and paused["pause_reason"] == "holiday"
    assert paused["paused_by"].startswith("key_")
    resumed = api.call(
        "PATCH", f"/v1/mailboxes/{box['id']}", key, {"status": "active", "daily_limit": 80}
    ).data
    assert resumed["status"] == "active" and resumed["paused_by"] is None
    assert resumed["daily_limit"] == 80
    bad = api.call("PATCH", f"/v1/mailboxes/{box['id']}", key, {"status": "warming"})
    assert bad.status_code == 400


def test_duplicate_addresses_and_bad_servers_are_refused(api, prober):
    key = _tenant_with_domain(api, "dup.test")
    assert api.call("POST", "/v1/mailboxes", key, _mailbox("d@dup.test")).status_code == 201
    assert api.call("POST", "/v1/mailboxes", key, _mailbox("d@dup.test")).status_code == 409
    bad = _mailbox("e@dup.test")
    bad["smtp"]["port"] = 70000
    assert api.call("POST", "/v1/mailboxes", key, bad).status_code == 400
    bad["smtp"]["port"] = 25
    bad["smtp"]["host"] = "evil\r\nhost"
    assert api.call("POST", "/v1/mailboxes", key, bad).status_code == 400


def test_deleting_a_mailbox_frees_its_address(api, prober):
    key = _tenant_with_domain(api, "del.test")
    box = api.call("POST", "/v1/mailboxes", key, _mailbox("x@del.test")).data
    assert api.call("DELETE", f"/v1/mailboxes/{box['id']}", key).status_code == 200
    assert api.call("GET", f"/v1/mailboxes/{box['id']}", key).status_code == 404
    assert api.call("POST", "/v1/mailboxes", key, _mailbox("x@del.test")).status_code == 201
