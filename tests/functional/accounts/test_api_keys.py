"""Tenants manage their API keys: shown once, stored hashed, revoked at once."""

import boto3

from chalicelib.accounts.rules.keys import hash_key


def test_a_new_key_works_at_once_and_is_shown_only_once(api):
    _, key = api.new_tenant()
    created = api.call("POST", "/v1/api-keys", key, {"name": "ci", "scope": "full"})
    assert created.status_code == 201 and created.data["key"].startswith("pm_live_")
    assert api.call("GET", "/v1/tenant", created.data["key"]).status_code == 200
    listed = api.call("GET", "/v1/api-keys", key).data["items"]
    assert {k["id"] for k in listed} >= {created.data["id"]}
    assert all("key" not in k and "key_hash" not in k for k in listed)


def test_keys_are_stored_as_hashes_only(api, aws):
    _, key = api.new_tenant()
    created = api.call("POST", "/v1/api-keys", key, {"name": "hashed"}).data
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(aws["ApiKeysTable"])
    tenant_id = "ten_" + created["key"].split("_")[2]
    item = table.get_item(Key={"tenant_id": tenant_id, "key_id": created["id"]})["Item"]
    assert item["key_hash"] == hash_key(created["key"])
    assert created["key"] not in str(item)


def test_a_revoked_key_gets_401_on_its_next_call(api):
    _, key = api.new_tenant()
    doomed = api.call("POST", "/v1/api-keys", key, {"name": "doomed"}).data
    assert api.call("GET", "/v1/api-keys", doomed["key"]).status_code == 200
    revoked = api.call("DELETE", f"/v1/api-keys/{doomed['id']}", key)
    assert revoked.status_code == 200 and revoked.data["status"] == "revoked"
    after = api.call("GET", "/v1/api-keys", doomed["key"])
    assert after.status_code == 401 and after.data["error"]["code"] == "unauthorized"
    again = api.call("DELETE", f"/v1/api-keys/{doomed['id']}", key)
    assert again.status_code == 200 and again.data["revoked_at"] == revoked.data["revoked_at"]


def test_a_send_key_cannot_manage_keys_or_read_the_account(api):
    _, key = api.new_tenant("business")
    send_key = api.call("POST", "/v1/api-keys", key, {"name": "mailer", "scope": "send"}).data
    for method, path, body in [
        ("POST", "/v1/api-keys", {"name": "x"}),
        ("GET", "/v1/api-keys", None),
        ("GET", "/v1/tenant", None),
        ("GET", "/v1/audit", None),
        ("DELETE", f"/v1/api-keys/{send_key['id']}", None),
    ]:
        reply = api.call(method, path, send_key["key"], body)
        assert reply.status_code == 403, (method, path)
        assert reply.data["error"]["code"] == "insufficient_scope"


def test_a_starter_tenant_cannot_hold_full_keys(api):
    _, key = api.new_tenant("starter")
    reply = api.call("POST", "/v1/api-keys", key, {"name": "x", "scope": "full"})
    assert reply.status_code == 403


def test_plan_limits_full_scope_on_creation(api):
    from tests.functional.conftest import ADMIN_KEY

    tenant, key = api.new_tenant("professional")
    api.call("PATCH", f"/v1/tenants/{tenant['id']}", ADMIN_KEY, {"plan": "starter"})
    # the existing full key is now capped to send by the plan
    assert api.call("GET", "/v1/api-keys", key).status_code == 403


def test_key_lists_paginate_exactly(api):
    _, key = api.new_tenant()
    for n in range(4):
        api.call("POST", "/v1/api-keys", key, {"name": f"k{n}", "scope": "send"})
    seen, token, pages = [], None, 0
    while True:
        path = "/v1/api-keys?limit=2" + (f"&next_token={token}" if token else "")
        page = api.call("GET", path, key).data
        seen += [k["id"] for k in page["items"]]
        pages += 1
        token = page["next_token"]
        if not token:
            break
    assert len(seen) == len(set(seen)) == 5 and pages == 3


def test_unknown_key_ids_are_404(api):
    _, key = api.new_tenant()
    for key_id in ["key_aaaaaaaaaaaaaaaaaaaaaaaa", "nope", "%2e%2e"]:
        reply = api.call("DELETE", f"/v1/api-keys/{key_id}", key)
        assert reply.status_code == 404
