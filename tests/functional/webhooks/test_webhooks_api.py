"""The webhooks routes over moto: create (secret once), list, read, change, delete, rotate;
another tenant's id is a 404; bad URLs, event types and replay ranges are 422s naming the
field; every reply is held to its declared model (``reply_contract``)."""

from __future__ import annotations

import pytest

HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
def tenant(api):
    _, key = api.new_tenant()
    return key


@pytest.fixture
def tenant_with_id(api):
    found, key = api.new_tenant()
    return found["id"], key


def _create(api, key, **body):
    return api.call("POST", "/v1/webhooks", key, {"url": HOOK, **body})


def test_create_read_list_change_rotate_delete(api, tenant):
    created = _create(api, tenant, event_types=["message.sent"], description="crm")
    assert created.status_code == 201, created.data
    hook = created.data
    assert hook["secret"].startswith("whsec_") and hook["enabled"] is True
    read = api.call("GET", f"/v1/webhooks/{hook['id']}", tenant)
    assert read.status_code == 200 and "secret" not in read.data
    listed = api.call("GET", "/v1/webhooks", tenant)
    assert [h["id"] for h in listed.data["items"]] == [hook["id"]]
    changed = api.call("PATCH", f"/v1/webhooks/{hook['id']}", tenant, {"enabled": False})
    assert changed.data["enabled"] is False and changed.data["event_types"] == ["message.sent"]
    rotated = api.call("POST", f"/v1/webhooks/{hook['id']}/rotate-secret", tenant)
    assert rotated.status_code == 200
    assert rotated.data["secret"].startswith("whsec_") and rotated.data["secret"] != hook["secret"]
    deliveries = api.call("GET", f"/v1/webhooks/{hook['id']}/deliveries", tenant)
    assert deliveries.data == {"items": [], "next_token": None}
    assert api.call("DELETE", f"/v1/webhooks/{hook['id']}", tenant).status_code == 200
    assert api.call("GET", f"/v1/webhooks/{hook['id']}", tenant).status_code == 404


def test_the_secret_is_not_stored_in_the_table(api, tenant_with_id, aws):
    import boto3

    tenant_id, key = tenant_with_id
    hook = _create(api, key).data
    table = boto3.client("dynamodb", region_name="us-east-1")
    items = table.query(
        TableName=aws["WebhooksTable"],
        KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": tenant_id}},
    )["Items"]
    assert items and hook["secret"] not in str(items)


@pytest.mark.parametrize(
    "path",
    ["", "/deliveries", "/replays/wrp_aaaaaaaaaaaaaaaaaaaa"],
)
def test_another_tenants_webhook_is_not_found(api, tenant, path):
    hook = _create(api, tenant).data
    _, other = api.new_tenant()
    assert api.call("GET", f"/v1/webhooks/{hook['id']}{path}", other).status_code == 404
    for method, suffix in (("POST", "/test"), ("POST", "/rotate-secret"), ("DELETE", "")):
        assert api.call(method, f"/v1/webhooks/{hook['id']}{suffix}", other).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://127.0.0.1/x"}, "url"),
        ({"url": "http://hooks.example.com/in"}, "url"),  # plain http beyond loopback
        ({"url": "https://10.0.0.1/in"}, "url"),
        ({"url": "https://169.254.169.254/latest"}, "url"),
        ({"url": "https://[::ffff:10.0.0.1]/in"}, "url"),
        ({"url": HOOK, "event_types": ["message.exploded"]}, "event_types"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api, tenant, body, field):
    reply = api.call("POST", "/v1/webhooks", tenant, body)
    assert reply.status_code == 422, reply.data
    assert reply.data["error"]["details"]["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from"),
        ({"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}, "from"),
        ({"from": "2026-01-01T00:00:00Z", "to": "2999-01-01T00:00:00Z"}, "to"),
        ({"from": "soon", "to": "2026-01-01T00:00:00Z"}, "from"),
    ],
)
def test_bad_replay_ranges_are_422s_naming_the_field(api, tenant, body, field):
    hook = _create(api, tenant).data
    reply = api.call("POST", f"/v1/webhooks/{hook['id']}/replay", tenant, body)
    assert reply.status_code == 422, reply.data
    assert reply.data["error"]["details"]["field"] == field
