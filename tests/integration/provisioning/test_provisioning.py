"""Provisioning end to end on the running platform, through the API: the provision state
machine on the emulator's Step Functions engine, the local Hostwinds and MailU, Route 53 and
the local DNS server, and certificates from pebble.

- A server for ``acme-agency.test`` with two mailboxes, with a fault injected once at
  CreateVps: the retry succeeds, exactly one VPS exists, the server is ``ready``; its
  mailboxes pass their test and send a message that verifies DKIM (both signatures: ours
  and MailU's); the A and PTR records resolve through the local DNS server; the certificate
  the server presents chains to pebble's root. Then it is decommissioned: nothing is left.
- With a fault at IssueCertificate (always), the execution rolls back: no VPS, no DNS
  records, no mail domain, no mailboxes; the server is ``rolled_back``.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import uuid
from typing import Any

import dkim
import dns.resolver
import dns.reversename
import pytest

from tests.integration.conftest import eventually

FINAL = ("ready", "failed", "rolled_back", "decommissioned")


def _ok(reply: Any, *codes: int) -> Any:
    assert reply.status_code in codes, f"{reply.request.method} {reply.url}: {reply.text}"
    return reply.json()


def tenant(platform: Any) -> str:
    body = {
        "name": f"Agency {uuid.uuid4().hex[:6]}",
        "plan": "business",
        "contact_email": "owner@agency.test",
        "postal_address": "1 Road, Town",
    }
    opened = _ok(platform.request("POST", "/v1/tenants", platform.admin_key, json=body), 201)
    return str(opened["api_key"]["key"])


def resolver(platform: Any) -> dns.resolver.Resolver:
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = platform.ports["dns"]
    r.lifetime = 5
    return r


def fault(platform: Any, step: str, mode: str) -> None:
    _ok(
        platform.request("POST", "/local/provisioning/faults", json={"step": step, "mode": mode}),
        200,
    )


def clear_faults(platform: Any) -> None:
    _ok(platform.request("DELETE", "/local/provisioning/faults"), 200)


def provision(platform: Any, key: str, domain: str) -> dict[str, Any]:
    body = {
        "region": "us-east",
        "size": "small",
        "domain": domain,
        "dns_provider": "route53",
        "mailboxes": [
            {"local_part": "anna", "display_name": "Anna"},
            {"local_part": "ben", "display_name": "Ben"},
        ],
        "warmup_plan": "standard",
    }
    server = _ok(platform.request("POST", "/v1/servers", key, json=body), 201)

    def finished() -> Any:
        # final, and the tenant told: the status turns ready one step before Notify runs
        now = _ok(platform.get(f"/v1/servers/{server['id']}", key), 200)
        notice = "Notify" if now["status"] == "ready" else "NotifyRolledBack"
        told = any(s["name"] == notice and s["ended_at"] for s in now["steps"])
        return now if now["status"] in FINAL and told else None

    return dict(eventually(finished, attempts=600, pause=0.5))  # bounded: 5 minutes


def instances(platform: Any, name: str) -> list[dict[str, Any]]:
    items = _ok(platform.get("/local/provisioning/instances"), 200)["items"]
    return [i for i in items if i["srvrname"] == name]


def steps(server: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in server["steps"]}


def zone_records(platform: Any, domain: str) -> list[tuple[str, str]]:
    route53 = platform.aws("route53")
    zones = route53.list_hosted_zones_by_name(DNSName=domain)["HostedZones"]
    found = []
    for zone in zones:
        if zone["Name"].rstrip(".") != domain:
            continue
        for rs in route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]:
            if rs["Type"] not in ("NS", "SOA"):
                found.append((rs["Name"].rstrip("."), rs["Type"]))
    return found


def test_provision_use_and_decommission_a_server(platform):
    key = tenant(platform)
    domain = "acme-agency.test"
    fault(platform, "CreateVps", "once")
    try:
        server = provision(platform, key, domain)
    finally:
        clear_faults(platform)
    assert server["status"] == "ready", server
    by_name = steps(server)
    assert by_name["CreateVps"]["attempts"] == 2, by_name["CreateVps"]
    assert by_name["CreateVps"]["status"] == "succeeded"
    assert all(s["status"] in ("succeeded", "skipped") for s in server["steps"]), server["steps"]
    assert all(
        s["started_at"] and s["ended_at"] for s in server["steps"] if s["status"] != "skipped"
    )
    assert len(instances(platform, f"pm-{server['id']}")) == 1

    # the mailboxes are registered and pass their live test
    ids = [m["mailbox_id"] for m in server["mailboxes"]]
    assert all(ids)
    listed = {m["id"] for m in _ok(platform.get("/v1/mailboxes?limit=100", key), 200)["items"]}
    assert set(ids) <= listed
    for mailbox_id in ids:
        tested = _ok(platform.request("POST", f"/v1/mailboxes/{mailbox_id}/test", key), 200)
        assert tested["status"] == "warming", tested  # StartWarmup started its warm-up
        warmup = _ok(platform.get(f"/v1/mailboxes/{mailbox_id}/warmup", key), 200)
        assert (warmup["status"], warmup["pool"]) == ("warming", True), warmup

    # A and PTR through the local DNS server
    r = resolver(platform)
    ip = server["ip"]
    assert [a.to_text() for a in r.resolve(f"mail.{domain}", "A")] == [ip]
    ptr = r.resolve(dns.reversename.from_address(ip), "PTR")
    assert [p.to_text().rstrip(".") for p in ptr] == [f"mail.{domain}"]

    # the certificate the server presents chains to pebble's root, for its name
    root = _ok(platform.get("/local/provisioning/ca"), 200)["root_pem"]
    context = ssl.create_default_context(cadata=root)
    port = instances(platform, f"pm-{server['id']}")[0]["smtp_port"]
    with smtplib.SMTP(timeout=10) as client:
        client._host = f"mail.{domain}"  # noqa: SLF001 - the name TLS checks
        client.sock = socket.create_connection((ip, port), 10)
        client.file = None
        code, _ = client.getreply()
        assert code == 220
        client.ehlo("test.local")
        client.starttls(context=context)  # raises unless the chain and name verify
        assert client.sock.getpeercert()["subjectAltName"] == (("DNS", f"mail.{domain}"),)

    # a message sent from a provisioned mailbox verifies DKIM, both signatures
    to = f"deliver+{uuid.uuid4().hex[:8]}@sim.penguinmails.test"
    body = {"from": f"anna@{domain}", "to": to, "subject": "From the new server", "text": "Hi"}
    _ok(platform.request("POST", "/v1/messages", key, json=body), 202)

    def received() -> Any:
        items = _ok(platform.get("/local/smtp/messages?limit=1000"), 200)["items"]
        return next((m for m in items if to in m["rcpt_tos"]), None)

    message = eventually(received, attempts=240, pause=0.5)
    raw = message["raw"].encode() if isinstance(message["raw"], str) else message["raw"]

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        answer = r.resolve(name.decode().rstrip("."), "TXT")
        return b"".join(b"".join(x.strings) for x in answer)

    signatures = raw.count(b"DKIM-Signature:")
    assert signatures == 2, raw[:2000]
    verifier = dkim.DKIM(raw)
    for index in range(signatures):
        assert verifier.verify(idx=index, dnsfunc=dnsfunc), f"signature {index}"

    # decommission: mailboxes, DNS, certificate, VPS
    _ok(platform.request("DELETE", f"/v1/servers/{server['id']}", key), 202)

    def gone() -> Any:
        now = _ok(platform.get(f"/v1/servers/{server['id']}", key), 200)
        return now if now["status"] in ("decommissioned", "failed") else None

    done = eventually(gone, attempts=240, pause=0.5)
    assert done["status"] == "decommissioned", done
    assert instances(platform, f"pm-{server['id']}") == []
    assert zone_records(platform, domain) == []
    remaining = {m["id"] for m in _ok(platform.get("/v1/mailboxes?limit=100", key), 200)["items"]}
    assert not set(ids) & remaining
    with pytest.raises(dns.resolver.NXDOMAIN):
        r.resolve(dns.reversename.from_address(ip), "PTR")


def test_a_failure_at_issue_certificate_rolls_everything_back(platform):
    key = tenant(platform)
    domain = f"rollback-{uuid.uuid4().hex[:6]}.test"
    fault(platform, "IssueCertificate", "always")
    try:
        server = provision(platform, key, domain)
    finally:
        clear_faults(platform)
    assert server["status"] == "rolled_back", server
    by_name = steps(server)
    assert by_name["IssueCertificate"]["status"] == "failed"
    assert by_name["IssueCertificate"]["error"]["type"] == "CertificateRejected"
    assert server["failure"]["step"] == "IssueCertificate"
    for undo in (
        "RollbackRegistration",
        "RollbackDns",
        "RollbackMailboxes",
        "RollbackMailDomain",
        "RollbackVps",
    ):
        assert by_name[undo]["status"] in ("succeeded", "skipped"), (undo, by_name[undo])
    assert by_name["RollbackMailDomain"]["status"] == "succeeded"
    assert by_name["RollbackVps"]["status"] == "succeeded"
    # nothing is left: no VPS, no DNS records, no domain or mailboxes in the API
    assert instances(platform, f"pm-{server['id']}") == []
    assert zone_records(platform, domain) == []
    domains = _ok(platform.get("/v1/domains?limit=100", key), 200)["items"]
    assert [d for d in domains if d["name"] == domain] == []
    boxes = _ok(platform.get("/v1/mailboxes?limit=100", key), 200)["items"]
    assert [m for m in boxes if m["email"].endswith("@" + domain)] == []
