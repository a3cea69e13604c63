"""The ``AlertStore`` contract: ``FakeAlertStore`` and ``DynamoAlertStore`` pass the same
tests (raised once per scope, kind and day; outcome; newest day first; filters; paging;
tenant isolation; DNSBL results)."""

from __future__ import annotations

import pytest

from chalicelib.health.rules.alerts import Finding, new_alert, raised_event
from tests.fakes.health import FakeAlertStore
from tests.functional.twins import TWINS, new_tenant, twin, walk


@pytest.fixture(params=TWINS)
def store(request):
    from chalicelib.health import wiring

    return twin(request, FakeAlertStore, wiring.alerts)


def _alert(tenant_id: str, day: str, kind: str = "bounce_rate_warning", scope="mailbox:mbx_a"):
    finding = Finding(kind, scope, "warning", "none", "bounce rate 4.0 %", {"threshold": 0.03})
    return new_alert(tenant_id, finding, day, f"{day}T10:00:00.000Z")


def test_an_alert_is_raised_once_per_scope_kind_and_day(store):
    tenant = new_tenant().tenant_id
    first = _alert(tenant, "2026-11-28")

    assert store.raise_once(first, raised_event(first)) is True
    again = _alert(tenant, "2026-11-28")
    assert store.raise_once(again, raised_event(again)) is False
    other_day = _alert(tenant, "2026-11-29")
    assert store.raise_once(other_day, raised_event(other_day)) is True

    [page] = walk(lambda t: store.list(tenant, 10, t, None, None))
    assert [a.day for a in page.items] == ["2026-11-29", "2026-11-28"]
    assert page.items[1] == first


def test_the_outcome_is_kept(store):
    tenant = new_tenant().tenant_id
    alert = _alert(tenant, "2026-11-28", "bounce_rate_pause")
    store.raise_once(alert, raised_event(alert))

    store.set_outcome(alert, "paused")

    assert store.list(tenant, 10, None, None, None).items[0].outcome == "paused"


def test_filters_paging_and_isolation(store):
    tenant, other = new_tenant().tenant_id, new_tenant().tenant_id
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        for kind in ("bounce_rate_warning", "anomaly_bounce_rate"):
            alert = _alert(tenant, day, kind)
            store.raise_once(alert, raised_event(alert))
    theirs = _alert(other, "2026-11-02")
    store.raise_once(theirs, raised_event(theirs))

    pages = walk(lambda t: store.list(tenant, 2, t, None, None))
    kinds = walk(lambda t: store.list(tenant, 2, t, "anomaly_bounce_rate", None))
    closed = walk(lambda t: store.list(tenant, 2, t, None, "resolved"))

    assert [len(p.items) for p in pages] == [2, 2, 2]
    days = [a.day for p in pages for a in p.items]
    assert days == sorted(days, reverse=True)
    assert [a.day for p in kinds for a in p.items] == ["2026-11-03", "2026-11-02", "2026-11-01"]
    assert [a for p in closed for a in p.items] == []
    assert [a.tenant_id for a in store.list(other, 10, None, None, None).items] == [other]


def test_dnsbl_results_are_kept_per_domain(store):
    tenant = new_tenant().tenant_id

    store.save_blacklists(tenant, "dom_a", {"192.0.2.10@zen.test": "listed"})

    assert store.blacklists(tenant, "dom_a") == {"192.0.2.10@zen.test": "listed"}
    assert store.blacklists(tenant, "dom_b") == {}
    assert store.blacklists(new_tenant().tenant_id, "dom_a") == {}
