"""A tenant that can send, made on the running platform through its API: a verified Route 53
domain, mailboxes on the local SMTP server (users added there first, each mailbox tested),
then the plan it should have. Starter keys have the ``send`` scope only, so the tenant is
opened on a plan with full API access and moved to its plan once it is set up (as an
operator would). Used by the integration tier and the fairness bench."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SendingTenant:
    tenant_id: str
    key: str
    domain: str
    mailboxes: tuple[str, ...]  # addresses


def _ok(reply: Any, *codes: int) -> dict[str, Any]:
    assert reply.status_code in codes, f"{reply.request.method} {reply.url}: {reply.text}"
    return reply.json()  # type: ignore[no-any-return]


def sending_tenant(
    platform: Any, plan: str, boxes: int = 1, daily_limit: int = 1000
) -> SendingTenant:
    run = uuid.uuid4().hex[:8]
    opened = _ok(
        platform.request(
            "POST",
            "/v1/tenants",
            platform.admin_key,
            json={"name": f"Sender {run}", "plan": "business", "postal_address": "1 Road, Town"},
        ),
        201,
    )
    tenant_id, key = opened["tenant"]["id"], opened["api_key"]["key"]
    domain = f"s{run}.test"
    _verified_domain(platform, key, domain)
    addresses = tuple(
        _mailbox(platform, key, f"box{n}@{domain}", daily_limit) for n in range(boxes)
    )
    if plan != "business":
        path = f"/v1/tenants/{tenant_id}"
        _ok(platform.request("PATCH", path, platform.admin_key, json={"plan": plan}), 200)
    return SendingTenant(tenant_id, key, domain, addresses)


def _verified_domain(platform: Any, key: str, name: str) -> None:
    body = {"name": name, "dns_provider": "route53", "server_ips": ["127.0.0.1"]}
    domain = _ok(platform.request("POST", "/v1/domains", key, json=body), 201)
    for _ in range(40):  # bounded: the DNS server re-reads zones about once a second
        checked = _ok(platform.request("POST", f"/v1/domains/{domain['id']}/verify", key), 200)
        if checked["status"] == "verified":
            return
        time.sleep(0.5)
    raise AssertionError(f"domain {name} never verified: {checked}")


def _mailbox(platform: Any, key: str, email: str, daily_limit: int) -> str:
    password = secrets.token_urlsafe(12)
    user = {"email": email, "password": password}
    _ok(platform.request("POST", "/local/smtp/users", json=user), 200, 201)
    smtp = {
        "host": "127.0.0.1",
        "port": platform.ports["smtp"],
        "security": "starttls",
        "username": email,
        "password": password,
    }
    body = {"email": email, "display_name": "Sender", "daily_limit": daily_limit, "smtp": smtp}
    box = _ok(platform.request("POST", "/v1/mailboxes", key, json=body), 201)
    tested = _ok(platform.request("POST", f"/v1/mailboxes/{box['id']}/test", key), 200)
    assert tested["status"] == "active", tested
    return email


def smtp_received(platform: Any, marker: str) -> list[dict[str, Any]]:
    """What the local SMTP server accepted for recipients containing ``marker``."""
    items = platform.get("/local/smtp/messages?limit=100000").json()["items"]
    return [m for m in items if any(marker in r for r in m["rcpt_tos"])]
