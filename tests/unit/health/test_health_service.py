"""The evaluator over fakes: alerts raised once per scope, kind and day, each acted on and
notified once; domains paused through their mailboxes; campaigns paused on spam; the
forecast throttles; the monitor covers every tenant's mailboxes, domains and campaigns."""

from datetime import date, timedelta

import pytest

from chalicelib.core.errors import NotFound
from chalicelib.health.service import HealthPorts, evaluate
from chalicelib.health.view import health, monitor
from tests.fakes.core import FakeClock
from tests.fakes.health import FakeAlertStore, FakeBlacklists, FakePlatform, FakeReads, Notices

T = "ten_" + "a" * 20
TODAY = "2026-11-28"


@pytest.fixture
def world():
    platform = FakePlatform()
    platform.add_domain(T, "dom_a", "a.test")
    platform.add_mailbox(T, "mbx_a", "dom_a", limit=200)
    platform.add_mailbox(T, "mbx_b", "dom_a")
    ports = HealthPorts(
        reads=FakeReads(),
        alerts=FakeAlertStore(),
        facts=platform,
        actions=platform,
        blacklists=FakeBlacklists(),
        notify=Notices(),
        clock=FakeClock(),
    )
    return ports, platform


def _kinds(ports):
    return sorted(a.kind for a in ports.alerts.alerts.values())


def test_a_bounce_storm_warns_then_pauses_once(world):
    ports, platform = world
    # given a mailbox at 4 % bounces today
    ports.reads.put(T, "mailbox:mbx_a", TODAY, sent=100, bounced=4)

    # when evaluated: a warning, nothing paused
    [warning] = evaluate(ports, T, "mailbox:mbx_a").raised
    assert (warning.kind, warning.outcome) == ("bounce_rate_warning", "none")
    assert platform.mailbox(T, "mbx_a").status == "active"

    # when the storm grows past 5 %: paused, once
    ports.reads.put(T, "mailbox:mbx_a", TODAY, sent=120, bounced=10)
    [pause] = evaluate(ports, T, "mailbox:mbx_a").raised
    again = evaluate(ports, T, "mailbox:mbx_a")

    assert (pause.kind, pause.outcome) == ("bounce_rate_pause", "paused")
    assert platform.mailbox(T, "mbx_a").status == "paused"
    assert [f.kind for f in again.findings] == ["bounce_rate_pause"] and again.raised == []
    assert len(platform.paused) == 1 and pause.alert_id in platform.paused[0][2]
    assert [n[1] for n in ports.notify.sent] == ["alert.raised", "alert.raised"]
    assert [e["type"] for e in ports.alerts.events] == ["alert.raised"] * 2


def test_the_next_day_raises_again(world):
    ports, _ = world
    ports.reads.put(T, "mailbox:mbx_a", TODAY, sent=100, bounced=4)
    evaluate(ports, T, "mailbox:mbx_a")

    ports.clock.advance(86400)
    ports.reads.put(T, "mailbox:mbx_a", "2026-11-29", sent=100, bounced=4)

    assert len(evaluate(ports, T, "mailbox:mbx_a").raised) == 1


def test_a_domain_pause_pauses_each_of_its_mailboxes(world):
    ports, platform = world
    platform.add_domain(T, "dom_b", "b.test")
    platform.add_mailbox(T, "mbx_c", "dom_b")
    ports.reads.put(T, "domain:dom_a", TODAY, sent=200, bounced=20)

    [alert] = evaluate(ports, T, "domain:dom_a").raised

    assert alert.outcome == "paused 2 of the domain's 2 mailboxes"
    statuses = {m.mailbox_id: m.status for m in platform.mailboxes(T)}
    assert statuses == {"mbx_a": "paused", "mbx_b": "paused", "mbx_c": "active"}


def test_a_blacklisted_ip_pauses_the_domain_and_is_kept_for_the_view(world):
    ports, platform = world
    ports.blacklists.listed.add("192.0.2.10")

    [alert] = evaluate(ports, T, "domain:dom_a").raised

    assert alert.kind == "blacklisted" and alert.explanation["listings"] == ["192.0.2.10@zen.test"]
    assert {m.status for m in platform.mailboxes(T)} == {"paused"}
    view = health(ports, T, "domain:dom_a")
    infra = next(p for p in view["parts"] if p["name"] == "infrastructure")
    assert infra["inputs"]["blacklists"]["192.0.2.10@zen.test"] == "listed"


def test_spam_over_the_line_pauses_a_running_campaign(world):
    ports, platform = world
    platform.campaigns[(T, "cmp_a")] = "sending"
    ports.reads.put(T, "campaign:cmp_a", TODAY, sent=80, complaints=1)

    [alert] = evaluate(ports, T, "campaign:cmp_a").raised

    assert (alert.kind, alert.outcome) == ("spam_rate_pause", "paused")
    assert platform.campaigns[(T, "cmp_a")] == "paused"


def _rising_spam(ports, scope, days=9):
    end = date.fromisoformat(TODAY)
    for i in range(days):
        day = (end - timedelta(days=days - 1 - i)).isoformat()
        ports.reads.put(T, scope, day, sent=10_000, complaints=5 + 2 * i)


def test_a_rising_spam_rate_throttles_the_mailbox_once(world):
    ports, platform = world
    _rising_spam(ports, "mailbox:mbx_a")

    [alert] = evaluate(ports, T, "mailbox:mbx_a").raised
    evaluate(ports, T, "mailbox:mbx_a")

    assert alert.kind == "spam_forecast"
    assert alert.explanation["decision"] == "throttle"
    assert alert.explanation["crossing_day"] == "2026-12-03"
    assert alert.outcome == "daily limit 200 -> 100"
    assert platform.mailbox(T, "mbx_a").daily_limit == 100


def test_the_health_view_explains_score_anomalies_and_forecast(world):
    ports, _ = world
    _rising_spam(ports, "mailbox:mbx_a")

    view = health(ports, T, "mailbox:mbx_a")

    assert [p["name"] for p in view["parts"]] == [
        "authentication",
        "deliverability",
        "engagement",
        "infrastructure",
    ]
    assert view["score"] == round(sum(p["points"] for p in view["parts"]))
    assert [a["metric"] for a in view["anomalies"]] == ["bounce_rate", "deferral_rate", "spam_rate"]
    assert view["forecast"]["decision"] == "throttle"
    assert ports.alerts.alerts == {}  # a view raises nothing


def test_the_view_of_an_unknown_mailbox_is_404(world):
    ports, _ = world
    with pytest.raises(NotFound):
        health(ports, T, "mailbox:mbx_nope")


def test_the_monitor_covers_mailboxes_domains_and_running_campaigns(world):
    ports, platform = world
    platform.campaigns[(T, "cmp_a")] = "sending"
    platform.campaigns[(T, "cmp_b")] = "paused"
    ports.reads.put(T, "mailbox:mbx_b", TODAY, sent=100, bounced=4)

    report = monitor(ports)

    assert report == {"tenants": 1, "scopes": 4, "raised": 1}  # 2 mailboxes, 1 domain, 1 campaign
    assert _kinds(ports) == ["bounce_rate_warning"]


def test_a_monitor_run_for_one_tenant_looks_at_that_tenant_only(world):
    ports, platform = world
    platform.add_domain("t_other", "dom_o", "o.test")
    platform.add_mailbox("t_other", "mbx_o", "dom_o")
    platform.campaigns[("t_other", "cmp_o")] = "sending"
    platform.campaigns[(T, "cmp_a")] = "sending"
    ports.reads.put("t_other", "mailbox:mbx_o", TODAY, sent=100, bounced=9)
    ports.reads.put(T, "mailbox:mbx_b", TODAY, sent=100, bounced=4)

    assert monitor(ports, T) == {"tenants": 1, "scopes": 4, "raised": 1}
    assert _kinds(ports) == ["bounce_rate_warning"]  # the other tenant's 9 % is not looked at
    assert platform.mailbox("t_other", "mbx_o").status == "active"

    assert monitor(ports)["tenants"] == 2
    assert platform.mailbox("t_other", "mbx_o").status == "paused"
