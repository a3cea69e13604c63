"""Issue 13's forecast on a running platform: a mailbox whose spam rate trends up over five
days is throttled (its daily cap halved) by the health monitor, with the forecast's inputs in
the alert. Runs on ``clock_platform``, whose clock is moved a day at a time (on the shared
platform that would move every other test's days).

Each day the tenant's only mailbox sends 20 to addresses the local simulator delivers and
``COMPLAINTS[day]`` to addresses whose receiver reports spam (an ARF report the inbound poller
reads), and the test waits until the day's counts are in before the clock moves on. Daily
spam rates 0, 0, 1/21, 1/21, 2/22: the Theil-Sen trend rises and today's fitted rate is past
0.3 %, so the decision is ``throttle``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.integration.conftest import RunningPlatform, eventually
from tests.integration.tenants import SendingTenant, sending_tenant

pytestmark = pytest.mark.long

SIM = "sim.penguinmails.test"
DAY = 86_400
PER_DAY = 20
COMPLAINTS = (0, 0, 1, 1, 2)


def _ok(reply: requests.Response, status: int = 200) -> Any:
    assert reply.status_code == status, (reply.request.method, reply.url, reply.text)
    return reply.json()


def _send_day(platform: RunningPlatform, tenant: SendingTenant, run: str, day: int) -> None:
    kinds = ["success"] * PER_DAY + ["complaint"] * COMPLAINTS[day]
    body = {
        "from": tenant.mailboxes[0],
        "subject": "Quarterly numbers",
        "text": "Hello, the numbers are in.",
        "recipients": [{"to": f"{k}+fc{run}d{day}n{n}@{SIM}"} for n, k in enumerate(kinds)],
    }
    reply = _ok(platform.request("POST", "/v1/messages/batch", tenant.key, json=body), 202)
    assert reply["accepted"] == len(kinds), reply


def _total(platform: RunningPlatform, key: str, mailbox_id: str, metric: str) -> int:
    path = f"/v1/analytics/timeseries?metric={metric}&group_by=day&mailbox_id={mailbox_id}"
    return sum(int(p["value"] or 0) for p in _ok(platform.get(path, key))["points"])


def test_a_mailbox_whose_spam_rate_trends_up_is_throttled(clock_platform):
    platform = clock_platform
    tenant = sending_tenant(platform, "business", boxes=1, daily_limit=400)
    key, run = tenant.key, uuid.uuid4().hex[:6]
    [mailbox] = _ok(platform.get("/v1/mailboxes", key))["items"]
    mailbox_id, scope = mailbox["id"], f"mailbox:{mailbox['id']}"
    assert mailbox["daily_limit"] == 400

    # given five days of mail, the complaints rising
    for day in range(len(COMPLAINTS)):
        if day:
            _ok(platform.request("POST", "/local/clock", json={"advance_seconds": DAY}))
        _send_day(platform, tenant, run, day)
        sent = (day + 1) * PER_DAY + sum(COMPLAINTS[: day + 1])
        complaints = sum(COMPLAINTS[: day + 1])
        # the day's mail is counted sent (the counters the monitor reads) before the day ends
        eventually(
            lambda: _total(platform, key, mailbox_id, "sent") >= sent,  # noqa: B023
            attempts=300,
            pause=0.5,
        )
        eventually(  # the ARF reports are read by the inbound poller (every 5 s locally)
            lambda: _total(platform, key, mailbox_id, "complaints") >= complaints,  # noqa: B023
            attempts=300,
            pause=0.5,
        )

    # when the health monitor runs (held on the test platforms: fired here, for this tenant)
    body = {"schedule": "HealthMonitorSchedule", "detail": {"tenant_id": tenant.tenant_id}}
    state = _ok(platform.request("POST", "/local/schedules/run", json=body))
    assert not state["last_error"], state

    # then the forecast raised its alert, with its inputs, and the daily cap was halved
    alerts = _ok(platform.get("/v1/alerts?limit=100", key))["items"]
    [alert] = [a for a in alerts if (a["kind"], a["scope"]) == ("spam_forecast", scope)]
    assert alert["action"] == "throttle_mailbox", alert
    why = alert["explanation"]
    assert why["method"] == "theil-sen" and why["decision"] == "throttle"
    assert why["slope_per_day"] > 0 and why["today_fitted"] >= why["limit"], why
    rated = [d["spam_rate"] for d in why["inputs"] if d["spam_rate"] is not None]
    expected = [c / (PER_DAY + c) for c in COMPLAINTS]
    assert rated == pytest.approx(expected, abs=1e-4), why["inputs"]
    assert _ok(platform.get(f"/v1/mailboxes/{mailbox_id}", key))["daily_limit"] == 200
    health = _ok(platform.get(f"/v1/analytics/health?mailbox_id={mailbox_id}", key))
    assert health["forecast"]["decision"] == "throttle"
