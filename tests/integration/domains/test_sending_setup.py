"""Issue 3 end to end on the local platform: a Route 53 domain verified through the real
DNS server, a hand-edited DMARC record reported exactly, mailbox tests over real SMTP."""

from __future__ import annotations

import uuid

from tests.integration.conftest import eventually


def _new_tenant(platform) -> str:
    reply = platform.request(
        "POST", "/v1/tenants", platform.admin_key, json={"name": "Setup", "plan": "business"}
    )
    return reply.json()["api_key"]["key"]


def _verify_until(platform, key, domain_id, wanted):
    def check():
        body = platform.request("POST", f"/v1/domains/{domain_id}/verify", key).json()
        return body if wanted(body) else None

    return eventually(check, attempts=30, pause=0.5)


def test_the_demo_tenant_has_a_verified_domain_and_three_tested_mailboxes(platform):
    demo = platform.facts["demo_tenant"]
    assert demo["domain"]["status"] == "verified"
    assert len(demo["mailboxes"]) == 3
    assert all(box["last_test"]["ok"] for box in demo["mailboxes"])


def test_route53_domain_verifies_then_a_hand_edited_dmarc_is_reported(platform):
    key = _new_tenant(platform)
    name = f"d{uuid.uuid4().hex[:8]}.test"
    created = platform.request(
        "POST",
        "/v1/domains",
        key,
        json={"name": name, "dns_provider": "route53", "server_ips": ["127.0.0.1"]},
    )
    assert created.status_code == 201, created.text
    domain = created.json()
    verified = _verify_until(platform, key, domain["id"], lambda b: b["status"] == "verified")
    assert {r["status"] for r in verified["records"]} == {"verified"}
    assert {r["kind"] for r in verified["records"]} >= {
        "spf",
        "dkim",
        "dmarc",
        "mx",
        "return_path",
        "tracking",
    }

    # change the DMARC record by hand in Route 53
    route53 = platform.aws("route53")
    broken = '"v=DMARC1; p=none; rua=mailto:someone-else@elsewhere.test"'
    route53.change_resource_record_sets(
        HostedZoneId=domain["hosted_zone_id"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": f"_dmarc.{name}.",
                        "Type": "TXT",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": broken}],
                    },
                }
            ]
        },
    )
    after = _verify_until(platform, key, domain["id"], lambda b: b["status"] != "verified")
    failing = [r for r in after["records"] if r["status"] != "verified"]
    assert [r["kind"] for r in failing] == ["dmarc"], failing
    assert "someone-else@elsewhere.test" in " ".join(failing[0]["found"])
    assert after["sending_blocked"] is True


def test_a_mailbox_on_the_local_smtp_server_passes_and_a_wrong_password_fails_at_auth(platform):
    key = _new_tenant(platform)
    name = f"m{uuid.uuid4().hex[:8]}.test"
    assert platform.request("POST", "/v1/domains", key, json={"name": name}).status_code == 201
    email = f"sender@{name}"
    platform.request("POST", "/local/smtp/users", json={"email": email, "password": "right-pw"})

    def mailbox(password: str) -> dict:
        body = {
            "email": email if password == "right-pw" else f"other@{name}",
            "smtp": {
                "host": "127.0.0.1",
                "port": platform.ports["smtp"],
                "security": "starttls",
                "username": email,
                "password": password,
            },
        }
        created = platform.request("POST", "/v1/mailboxes", key, json=body)
        assert created.status_code == 201, created.text
        return platform.request("POST", f"/v1/mailboxes/{created.json()['id']}/test", key).json()

    good = mailbox("right-pw")
    assert good["last_test"]["ok"], good["last_test"]
    assert [s["name"] for s in good["last_test"]["steps"]] == [
        "connect",
        "ehlo",
        "starttls",
        "auth",
    ]
    bad = mailbox("wrong-pw")
    assert bad["last_test"]["ok"] is False and bad["last_test"]["failed_step"] == "auth"
    assert bad["status"] == "error"
    assert "wrong-pw" not in str(bad)
