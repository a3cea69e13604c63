"""Every mutating call leaves an audit record; the tenant reads them newest first."""

from tests.functional.conftest import ADMIN_KEY


def test_mutations_are_audited_newest_first_with_who_and_where(api):
    tenant, key = api.new_tenant()
    created = api.call("POST", "/v1/api-keys", key, {"name": "a"}).data
    api.call("DELETE", f"/v1/api-keys/{created['id']}", key)
    api.call("PATCH", f"/v1/tenants/{tenant['id']}", ADMIN_KEY, {"name": "Renamed"})
    records = api.call("GET", "/v1/audit", key).data["items"]
    assert [r["action"] for r in records] == [
        "tenant.update",
        "api_key.revoke",
        "api_key.create",
        "tenant.create",
    ]
    revoke = records[1]
    assert revoke["resource_id"] == created["id"] and revoke["key_id"].startswith("key_")
    assert revoke["request_id"] and revoke["source_ip"] == "127.0.0.1"
    assert records[0]["key_id"] == "admin" and records[0]["tenant_id"] == tenant["id"]


def test_reads_and_failed_calls_are_not_audited(api):
    _, key = api.new_tenant()
    api.call("GET", "/v1/api-keys", key)
    api.call("POST", "/v1/api-keys", key, {"name": ""})
    actions = [r["action"] for r in api.call("GET", "/v1/audit", key).data["items"]]
    assert actions == ["tenant.create"]


def test_audit_paginates_without_gaps_or_repeats(api):
    _, key = api.new_tenant()
    for n in range(5):
        api.call("POST", "/v1/api-keys", key, {"name": f"k{n}", "scope": "send"})
    seen, token = [], None
    while True:
        path = "/v1/audit?limit=2" + (f"&next_token={token}" if token else "")
        page = api.call("GET", path, key).data
        seen += [r["id"] for r in page["items"]]
        token = page["next_token"]
        if not token:
            break
    assert len(seen) == len(set(seen)) == 6
