"""Every event the running platform put on its stream (this session's traffic, from
``TRIM_HORIZON``) matches its schema in ``events/schemas/``; an event whose type has no
schema fails the run.

Run alone or in a pytest-xdist worker, the platform may have seen little traffic yet, so
the test first makes traffic that publishes every event type a short run can reach:
accounts (tenant, API keys, their notification mails), a batch through the demo tenant to
the mail simulator (sent, deferred then sent, bounced, a reply, an auto-reply and a
complaint coming back through the inbox poll), a suppressed recipient, a cancelled
scheduled message, and an open, a click and a one-click unsubscribe. ``message.failed``
needs eight failed attempts and is left to whatever traffic produced it.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests

from infrastructure.local.emulator import STACK
from tests.integration.conftest import eventually
from tests.integration.event_contract import events_stream_name, read_stream, record_problems

SIM = "sim.penguinmails.test"
FINAL = {"sent", "bounced", "failed", "suppressed", "cancelled"}
BROWSER = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"}
OWN_TRAFFIC = {
    "tenant.created",
    "tenant.updated",
    "api_key.created",
    "api_key.revoked",
    "notification.sent",
    "message.queued",
    "message.sending",
    "message.sent",
    "message.deferred",
    "message.bounced",
    "message.suppressed",
    "message.cancelled",
    "recipient.suppressed",
    "message.opened",
    "message.clicked",
    "message.unsubscribed",
    "message.replied",
    "message.auto_replied",
    "message.complained",
}


def _ok(reply: requests.Response, status: int) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def _account_traffic(platform, run: str) -> None:
    admin = platform.admin_key
    created = _ok(
        platform.request(
            "POST",
            "/v1/tenants",
            admin,
            json={
                "name": f"Events {run}",
                "plan": "professional",
                "contact_email": f"owner-{run}@example.test",
            },
        ),
        201,
    )
    tenant_id, key = created["tenant"]["id"], created["api_key"]["key"]
    _ok(
        platform.request("PATCH", f"/v1/tenants/{tenant_id}", admin, json={"plan": "business"}), 200
    )
    extra = _ok(platform.request("POST", "/v1/api-keys", key, json={"name": "events"}), 201)
    _ok(platform.request("DELETE", f"/v1/api-keys/{extra['id']}", key), 200)


def _message_traffic(platform, run: str) -> str:
    """Sends everything; returns the address of the ordinary reader the email went to."""
    key = platform.demo_key
    reader, held = f"reader-{run}@example.test", f"held-{run}@example.test"
    _ok(platform.request("POST", "/v1/suppressions", key, json={"address": held}), 201)
    kinds = ("success", "defer", "bounce", "reply", "ooto", "complaint")
    batch = _ok(
        platform.request(
            "POST",
            "/v1/messages/batch",
            key,
            json={
                "from": "bob@demo.test",
                "subject": f"Events {run}",
                "html": '<p>Hi, <a href="https://example.com/events">read this</a>.</p>',
                "recipients": [{"to": f"{k}+{run}@{SIM}"} for k in kinds]
                + [{"to": reader}, {"to": held}],
            },
        ),
        202,
    )
    assert batch["accepted"] == len(kinds) + 2, batch
    later = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    scheduled = _ok(
        platform.request(
            "POST",
            "/v1/messages",
            key,
            json={
                "from": "bob@demo.test",
                "to": f"later-{run}@example.test",
                "subject": "Later",
                "text": "Hi",
                "scheduled_at": later,
            },
        ),
        202,
    )
    _ok(platform.request("DELETE", f"/v1/messages/{scheduled['id']}", key), 200)
    return reader


def _engage(platform, reader: str) -> None:
    """Open the pixel, follow the link and unsubscribe, from the email the reader got."""

    def stored():
        items = platform.get(f"/local/smtp/messages?to={reader}").json()["items"]
        return items[0] if items else None

    raw = eventually(stored, attempts=150, pause=0.2)["raw"]
    parsed = email.message_from_string(raw, policy=email.policy.default)
    html = parsed.get_body(("html",)).get_content()
    pixel = re.search(r'src="(http://127\.0\.0\.1:\d+/t/o/[^"]+)"', html).group(1)
    click = re.search(r'href="(http://127\.0\.0\.1:\d+/t/c/[^"]+)"', html).group(1)
    assert requests.get(pixel, timeout=10, headers=BROWSER).status_code == 200
    followed = requests.get(click, timeout=10, allow_redirects=False, headers=BROWSER)
    assert followed.status_code == 302
    unsubscribe = re.search(r"<(http[^>]+)>", parsed["List-Unsubscribe"]).group(1)
    posted = requests.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert posted.status_code == 200


def _types(records: list[bytes]) -> set[str]:
    found = set()
    for data in records:
        try:
            found.add(json.loads(data).get("type"))
        except (ValueError, AttributeError):
            continue
    return found


def test_every_event_on_the_stream_matches_its_schema(platform):
    # given: traffic of every kind this run can make, on top of the session's own
    run = uuid.uuid4().hex[:8]
    _account_traffic(platform, run)
    reader = _message_traffic(platform, run)
    _engage(platform, reader)
    kinesis = platform.aws("kinesis")
    stream = events_stream_name(platform.aws("cloudformation"), STACK)

    # when: the stream is read from its start once every expected type is on it (replies,
    # auto-replies and complaints wait for the scheduled inbox poll)
    records: list[bytes] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        records = read_stream(kinesis, stream)
        if OWN_TRAFFIC <= _types(records):
            break
        time.sleep(1)

    # then: every record is one event that matches its type's schema
    problems = [problem for data in records for problem in record_problems(data)]
    assert not problems, f"{len(problems)} problems in {len(records)} events:\n" + "\n".join(
        problems[:50]
    )
    missing = OWN_TRAFFIC - _types(records)
    assert not missing, f"the traffic published no {sorted(missing)} in 90 s"
