"""Sending domains through the API: records, Route 53 publishing (moto), verification
against a DNS twin, DKIM rotation, claims across tenants."""

from __future__ import annotations

import boto3
import pytest

from tests.fakes.dns import ZoneDns


@pytest.fixture
def dns(aws):
    from chalicelib.core import wiring

    twin = ZoneDns()
    wiring.override("domains.dns_lookup", twin)
    return twin


def test_a_route53_domain_publishes_its_records_and_verifies(api, dns):
    _, key = api.new_tenant("business")
    created = api.call(
        "POST",
        "/v1/domains",
        key,
        {"name": "Acme-Mail.TEST.", "dns_provider": "route53", "server_ips": ["192.0.2.10"]},
    )
    assert created.status_code == 201, created.data
    domain = created.data
    assert domain["name"] == "acme-mail.test" and domain["status"] == "pending"
    assert domain["dkim"]["selector"].startswith("pm")
    view = api.call("GET", f"/v1/domains/{domain['id']}/dns", key).data
    kinds = {r["kind"] for r in view["records"]}
    assert {"spf", "dkim", "dmarc", "mx", "return_path", "tracking"} <= kinds
    dkim = next(r for r in view["records"] if r["kind"] == "dkim")
    assert len(dkim["strings"]) >= 2 and all(len(s) <= 255 for s in dkim["strings"])
    assert "$ORIGIN acme-mail.test." in view["bind"]
    verified = api.call("POST", f"/v1/domains/{domain['id']}/verify", key).data
    assert verified["status"] == "verified", verified["records"]
    assert {r["status"] for r in verified["records"]} == {"verified"}


def test_the_dkim_private_key_is_in_secrets_manager_only(api, dns, aws):
    _, key = api.new_tenant("business")
    domain = api.call("POST", "/v1/domains", key, {"name": "keys.test"}).data
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("penguinmails-local-domains")
    item = table.get_item(Key={"tenant_id": "ten_" + key.split("_")[2], "sk": domain["id"]})
    assert "PRIVATE KEY" not in str(item["Item"])
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    names = [s["Name"] for s in secrets.list_secrets()["SecretList"]]
    secret = next(n for n in names if domain["id"] in n)
    assert "PRIVATE KEY" in secrets.get_secret_value(SecretId=secret)["SecretString"]


def test_a_failing_record_is_reported_and_a_verified_domain_is_flagged(api, dns):
    _, key = api.new_tenant("business")
    domain = api.call(
        "POST", "/v1/domains", key, {"name": "flag.test", "dns_provider": "route53"}
    ).data
    assert api.call("POST", f"/v1/domains/{domain['id']}/verify", key).data["can_send"]
    dns.broken.add("_dmarc.flag.test")
    after = api.call("POST", f"/v1/domains/{domain['id']}/verify", key).data
    assert after["status"] == "error" and after["sending_blocked"] and not after["can_send"]
    dmarc = next(r for r in after["records"] if r["kind"] == "dmarc")
    assert dmarc["status"] == "error" and "timed out" in dmarc["reason"]
    dns.broken.clear()
    again = api.call("POST", f"/v1/domains/{domain['id']}/verify", key).data
    assert again["can_send"] and not again["sending_blocked"]


def test_a_manual_domain_stays_failed_until_records_exist(api, dns):
    _, key = api.new_tenant("business")
    domain = api.call("POST", "/v1/domains", key, {"name": "manual.test"}).data
    checked = api.call("POST", f"/v1/domains/{domain['id']}/verify", key).data
    assert checked["status"] == "failed"
    spf = next(r for r in checked["records"] if r["kind"] == "spf")
    assert spf["status"] == "failed" and "manual.test" in spf["reason"]


def test_a_domain_belongs_to_one_tenant(api, dns):
    _, a_key = api.new_tenant("business")
    _, b_key = api.new_tenant("business")
    assert api.call("POST", "/v1/domains", a_key, {"name": "owned.test"}).status_code == 201
    taken = api.call("POST", "/v1/domains", b_key, {"name": "OWNED.test"})
    assert taken.status_code == 409 and "ten_" not in str(taken.data)
    assert api.call("POST", "/v1/domains", a_key, {"name": "owned.test"}).status_code == 409


def test_dkim_rotation_switches_once_the_new_selector_verifies(api, dns):
    _, key = api.new_tenant("business")
    domain = api.call(
        "POST", "/v1/domains", key, {"name": "rotate.test", "dns_provider": "route53"}
    ).data
    old = domain["dkim"]["selector"]
    rotated = api.call("POST", f"/v1/domains/{domain['id']}/dkim/rotate", key).data
    assert rotated["dkim"] == {
        "selector": old,
        "pending_selector": rotated["dkim"]["pending_selector"],
    }
    assert api.call("POST", f"/v1/domains/{domain['id']}/dkim/rotate", key).status_code == 409
    switched = api.call("POST", f"/v1/domains/{domain['id']}/verify", key).data
    assert switched["dkim"]["selector"] == rotated["dkim"]["pending_selector"]
    assert switched["dkim"]["pending_selector"] is None
    assert dns.lookup(f"{old}._domainkey.rotate.test", "TXT").status == "nxdomain"


@pytest.mark.parametrize(
    "name",
    [
        "localhost",
        "nodot",
        "-bad-.test",
        "a..b.test",
        "example.com",
        "192.0.2.1",
        "x" * 64 + ".test",
        "bad_char.test",
        "",
    ],
)
def test_invalid_or_reserved_names_are_refused(api, dns, name):
    _, key = api.new_tenant("business")
    reply = api.call("POST", "/v1/domains", key, {"name": name})
    assert reply.status_code == 400, (name, reply.data)
    assert "name" in str(reply.data["error"]["details"])


def test_plan_limits_domains(api, dns):
    _, key = api.new_tenant("professional")
    for n in range(15):
        assert api.call("POST", "/v1/domains", key, {"name": f"d{n}.limit.test"}).status_code == 201
    over = api.call("POST", "/v1/domains", key, {"name": "d15.limit.test"})
    assert over.status_code == 403 and over.data["error"]["code"] == "plan_limit"


def test_deleting_a_domain_removes_records_and_frees_the_name(api, dns):
    _, key = api.new_tenant("business")
    domain = api.call(
        "POST", "/v1/domains", key, {"name": "gone.test", "dns_provider": "route53"}
    ).data
    assert api.call("DELETE", f"/v1/domains/{domain['id']}", key).status_code == 200
    assert api.call("GET", f"/v1/domains/{domain['id']}", key).status_code == 404
    assert dns.lookup("_dmarc.gone.test", "TXT").status == "nxdomain"
    assert api.call("POST", "/v1/domains", key, {"name": "gone.test"}).status_code == 201


def test_spf_includes_accept_underscored_names_and_refuse_garbage(api, dns):
    _, key = api.new_tenant("business")
    ok = api.call(
        "POST", "/v1/domains", key, {"name": "inc.test", "spf_includes": ["_spf.Google.com."]}
    )
    assert ok.status_code == 201 and ok.data["spf_includes"] == ["_spf.google.com"]
    bad = api.call(
        "POST", "/v1/domains", key, {"name": "inc2.test", "spf_includes": ["not a name"]}
    )
    assert bad.status_code == 400 and bad.data["error"]["details"]["field"] == "spf_includes"


def test_the_hourly_verifier_checks_due_domains_and_flags_failures(api, dns):
    from chalicelib.core import wiring
    from functions import domain_verifier

    _, key = api.new_tenant("business")
    domain = api.call(
        "POST", "/v1/domains", key, {"name": "hourly.test", "dns_provider": "route53"}
    ).data
    assert api.call("POST", f"/v1/domains/{domain['id']}/verify", key).data["can_send"]
    clock = wiring.get("core.clock")()

    class Later:
        def now(self):
            from datetime import timedelta

            return clock.now() + timedelta(hours=2)

        def now_iso(self):
            from chalicelib.core.clock import iso

            return iso(self.now())

    wiring.override("core.clock", Later())
    dns.broken.add("hourly.test")
    outcome = domain_verifier.handler({"source": "aws.events"}, None)
    assert outcome["checked"] >= 1 and outcome["errors"] == 0
    after = api.call("GET", f"/v1/domains/{domain['id']}", key).data
    assert after["sending_blocked"] and after["last_checked_at"] > domain["created_at"]
