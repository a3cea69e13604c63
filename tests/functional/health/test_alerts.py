"""Health over moto, with the analytics day counts from a fake: a bounce storm on one mailbox
warns, then pauses it (once, whatever the re-runs), a spam-rate trend throttles it, each alert
an ``alert.raised`` event on the stream and an entry of ``GET /v1/alerts``; the health view
explains itself; bad input is a 400 naming the field, another tenant's mailbox a 404."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.fakes.health import FakeReads
from tests.functional.outbox import stream_events
from tests.integration.event_contract import event_problems


class Context:
    aws_request_id = "req-functional"
    function_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def world(sending):
    from chalicelib.core import wiring

    reads = FakeReads()
    wiring.override("health.reads", reads)
    return sending, reads


def _today() -> str:
    from chalicelib.core.clock import system_clock

    return system_clock().now_iso()[:10]


def _monitor() -> dict:
    from functions import health_monitor

    return health_monitor.handler({}, Context())


def _alerts(api, key, query=""):
    reply = api.call("GET", "/v1/alerts" + query, key)
    assert reply.status_code == 200, reply.data
    return reply.data["items"]


def test_a_bounce_storm_warns_then_pauses_the_mailbox(api, aws, world):
    sending, reads = world
    mailbox, scope = sending.mailbox, f"mailbox:{sending.mailbox['id']}"
    # given 4 % of today's mail bounced
    reads.put(sending.tenant_id, scope, _today(), sent=100, bounced=4)

    # when the monitor runs: a warning, the mailbox still sends
    _monitor()
    [warning] = _alerts(api, sending.key)
    assert (warning["kind"], warning["scope"], warning["action"]) == (
        "bounce_rate_warning",
        scope,
        "none",
    )
    assert warning["explanation"]["threshold"] == 0.03
    assert api.call("GET", f"/v1/mailboxes/{mailbox['id']}", sending.key).data["status"] == "active"

    # when the storm passes 5 % and the monitor runs twice
    reads.put(sending.tenant_id, scope, _today(), sent=140, bounced=12)
    _monitor()
    _monitor()

    # then one pause alert, the mailbox paused by the health monitor
    found = _alerts(api, sending.key)
    assert sorted(a["kind"] for a in found) == ["bounce_rate_pause", "bounce_rate_warning"]
    [pause] = _alerts(api, sending.key, "?kind=bounce_rate_pause")
    assert (pause["severity"], pause["outcome"]) == ("critical", "paused")
    now = api.call("GET", f"/v1/mailboxes/{mailbox['id']}", sending.key).data
    assert (now["status"], now["paused_by"]) == ("paused", "health")
    assert pause["id"] in now["pause_reason"]
    events = [e for e in stream_events(aws, "alert.raised") if e["tenant_id"] == sending.tenant_id]
    assert sorted(e["kind"] for e in events) == ["bounce_rate_pause", "bounce_rate_warning"]
    assert all(event_problems(e) == [] for e in events)


def test_a_rising_spam_rate_throttles_the_mailbox(api, world):
    sending, reads = world
    scope = f"mailbox:{sending.mailbox['id']}"
    end = date.fromisoformat(_today())
    for i in range(9):  # 0.05 % rising 0.02 % a day
        day = (end - timedelta(days=8 - i)).isoformat()
        reads.put(sending.tenant_id, scope, day, sent=10_000, complaints=5 + 2 * i)

    view = api.call("GET", f"/v1/analytics/health?mailbox_id={sending.mailbox['id']}", sending.key)
    _monitor()

    assert view.status_code == 200, view.data
    assert view.data["forecast"]["decision"] == "throttle"
    assert view.data["forecast"]["days_until"] == 5
    [alert] = _alerts(api, sending.key, "?kind=spam_forecast")
    assert alert["outcome"] == "daily limit 1000 -> 500"
    mailbox = api.call("GET", f"/v1/mailboxes/{sending.mailbox['id']}", sending.key).data
    assert (mailbox["daily_limit"], mailbox["status"]) == (500, "active")


def test_the_health_view_of_a_domain_shows_its_verified_authentication(api, world):
    sending, _ = world

    reply = api.call(
        "GET", f"/v1/analytics/health?domain_id={sending.mailbox['domain_id']}", sending.key
    )

    assert reply.status_code == 200, reply.data
    auth = next(p for p in reply.data["parts"] if p["name"] == "authentication")
    assert (auth["points"], auth["inputs"]) == (
        25,
        {"spf": "verified", "dkim": "verified", "dmarc": "verified"},
    )
    infra = next(p for p in reply.data["parts"] if p["name"] == "infrastructure")
    assert infra["inputs"]["breaker_states"] == ["closed"]
    assert reply.data["score"] == 100


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "mailbox_id|domain_id"),
        ("?mailbox_id=mbx_a&domain_id=dom_a", "mailbox_id|domain_id"),
    ],
)
def test_the_health_view_needs_exactly_one_scope(api, world, query, field):
    sending, _ = world

    reply = api.call("GET", "/v1/analytics/health" + query, sending.key)

    assert reply.status_code == 400
    assert reply.data["error"]["details"]["field"] == field


def test_another_tenants_mailbox_is_not_found(api, world):
    sending, _ = world
    _, other_key = api.new_tenant()

    reply = api.call("GET", f"/v1/analytics/health?mailbox_id={sending.mailbox['id']}", other_key)

    assert reply.status_code == 404


@pytest.mark.parametrize(("query", "field"), [("?kind=bogus", "kind"), ("?status=x", "status")])
def test_alert_filters_are_checked(api, world, query, field):
    sending, _ = world

    reply = api.call("GET", "/v1/alerts" + query, sending.key)

    assert reply.status_code == 400
    assert reply.data["error"]["details"]["field"] == field
