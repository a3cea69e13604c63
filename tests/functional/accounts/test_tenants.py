"""Operators manage tenants with the admin key; tenants read themselves."""

from tests.functional.conftest import ADMIN_KEY


def test_an_operator_creates_a_tenant_and_gets_its_key_once(api):
    reply = api.call("POST", "/v1/tenants", ADMIN_KEY, {"name": "Acme", "plan": "business"})
    assert reply.status_code == 201
    tenant, key = reply.data["tenant"], reply.data["api_key"]
    assert tenant["id"].startswith("ten_") and tenant["status"] == "active"
    assert key["key"].startswith("pm_live_") and key["scope"] == "full"
    again = api.call("GET", f"/v1/tenants/{tenant['id']}", ADMIN_KEY)
    assert again.status_code == 200 and "key" not in again.data
    assert again.data["plan"] == "business"


def test_the_tenant_sees_its_plan_limits_and_usage(api):
    tenant, key = api.new_tenant("starter")
    reply = api.call("GET", "/v1/tenant", key)
    # a starter key is send-only, so reading the account is refused
    assert reply.status_code == 403 and reply.data["error"]["code"] == "insufficient_scope"
    tenant, key = api.new_tenant("professional")
    reply = api.call("GET", "/v1/tenant", key)
    assert reply.status_code == 200
    assert reply.data["limits"]["emails_per_month"] == 50_000
    assert reply.data["usage"]["emails_sent"] == 0
    assert reply.data["usage"]["month"] == reply.data["created_at"][:7]


def test_patch_changes_plan_and_suspends(api):
    tenant, key = api.new_tenant("professional")
    reply = api.call(
        "PATCH",
        f"/v1/tenants/{tenant['id']}",
        ADMIN_KEY,
        {"plan": "enterprise", "status": "suspended"},
    )
    assert reply.status_code == 200 and reply.data["status"] == "suspended"
    blocked = api.call("GET", "/v1/tenant", key)
    assert blocked.status_code == 403 and blocked.data["error"]["code"] == "tenant_suspended"
    api.call("PATCH", f"/v1/tenants/{tenant['id']}", ADMIN_KEY, {"status": "active"})
    assert api.call("GET", "/v1/tenant", key).status_code == 200


def test_admin_routes_refuse_tenant_keys_and_bad_admin_keys(api):
    tenant, key = api.new_tenant()
    assert api.call("GET", f"/v1/tenants/{tenant['id']}", key).status_code == 403
    assert api.call("GET", f"/v1/tenants/{tenant['id']}", "not-the-admin-key").status_code == 401
    assert api.call("GET", f"/v1/tenants/{tenant['id']}").status_code == 401
    assert api.call("GET", "/v1/tenant", ADMIN_KEY).status_code == 403


def test_unknown_tenants_are_404(api):
    for tenant_id in ["ten_aaaaaaaaaaaaaaaaaaaa", "nope", "ten_"]:
        reply = api.call("GET", f"/v1/tenants/{tenant_id}", ADMIN_KEY)
        assert reply.status_code == 404 and reply.data["error"]["code"] == "not_found"
    reply = api.call(
        "PATCH", "/v1/tenants/ten_aaaaaaaaaaaaaaaaaaaa", ADMIN_KEY, {"plan": "starter"}
    )
    assert reply.status_code == 404
