"""Tenant B's key on tenant A's resources: 404 on every route, and lists never mix."""

import re

import pytest

from chalicelib.http.routing import ROUTES
from tests.functional.worlds import stored_message

# Every path parameter a tenant route may take, mapped to the fixture resource of tenant A.
RESOURCE_FOR_PARAM = {
    "key_id": "a_key_id",
    "domain_id": "a_domain_id",
    "mailbox_id": "a_mailbox_id",
    "template_id": "a_template_id",
    "message_id": "a_message_id",
    "address": "a_suppressed",
}


@pytest.fixture
def two_tenants(api):
    a_tenant, a_key = api.new_tenant("business")
    b_tenant, b_key = api.new_tenant("business")
    extra = api.call("POST", "/v1/api-keys", a_key, {"name": "a-second"}).data
    domain = api.call("POST", "/v1/domains", a_key, {"name": f"{a_tenant['id'][4:]}.test"}).data
    mailbox = api.call(
        "POST",
        "/v1/mailboxes",
        a_key,
        {
            "email": f"a@{domain['name']}",
            "smtp": {"host": "127.0.0.1", "port": 2525, "username": "a", "password": "p"},
        },
    ).data
    template = api.call(
        "POST", "/v1/templates", a_key, {"name": "t", "subject": "Hi", "text": "Hello"}
    ).data
    api.call("POST", "/v1/suppressions", a_key, {"address": "gone@example.test"})
    return {
        "a_message_id": stored_message(a_tenant["id"], mailbox).message_id,
        "a_suppressed": "gone@example.test",
        "a_template_id": template["id"],
        "a_key": a_key,
        "b_key": b_key,
        "a_key_id": extra["id"],
        "a": a_tenant,
        "b": b_tenant,
        "a_domain_id": domain["id"],
        "a_mailbox_id": mailbox["id"],
    }


def test_every_tenant_route_with_an_id_is_404_for_another_tenant(api, two_tenants):
    checked = 0
    for (path, method), spec in ROUTES.items():
        params = re.findall(r"{(\w+)}", path)
        if spec.auth not in ("full", "send") or not params:
            continue
        assert set(params) <= set(RESOURCE_FOR_PARAM), f"add {params} to RESOURCE_FOR_PARAM"
        concrete = path
        for param in params:
            concrete = concrete.replace("{" + param + "}", two_tenants[RESOURCE_FOR_PARAM[param]])
        body = {} if spec.body else None
        reply = api.call(method, concrete, two_tenants["b_key"], body)
        assert reply.status_code in (404, 400), (method, path, reply.status_code)
        if spec.body is None:
            assert reply.status_code == 404
        checked += 1
    assert checked >= 1
    # and A's key is untouched
    assert api.call("GET", "/v1/api-keys", two_tenants["a_key"]).status_code == 200


def test_lists_only_show_the_callers_own_records(api, two_tenants):
    b_keys = api.call("GET", "/v1/api-keys", two_tenants["b_key"]).data["items"]
    assert two_tenants["a_key_id"] not in {k["id"] for k in b_keys}
    b_audit = api.call("GET", "/v1/audit", two_tenants["b_key"]).data["items"]
    assert {r["tenant_id"] for r in b_audit} == {two_tenants["b"]["id"]}
    me = api.call("GET", "/v1/tenant", two_tenants["b_key"]).data
    assert me["id"] == two_tenants["b"]["id"]


def test_a_cursor_cannot_cross_tenants(api, two_tenants):
    for n in range(3):
        api.call("POST", "/v1/api-keys", two_tenants["a_key"], {"name": f"n{n}", "scope": "send"})
    a_page = api.call("GET", "/v1/audit?limit=1", two_tenants["a_key"]).data
    b_page = api.call(
        "GET", f"/v1/audit?limit=5&next_token={a_page['next_token']}", two_tenants["b_key"]
    )
    assert b_page.status_code == 200
    assert {r["tenant_id"] for r in b_page.data["items"]} <= {two_tenants["b"]["id"]}
