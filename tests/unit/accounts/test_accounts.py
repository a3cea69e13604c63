"""Account use cases against the in-memory ports."""

import pytest

from chalicelib.accounts.rules.keys import parse_key
from chalicelib.accounts.service import tenants as accounts
from chalicelib.core.errors import NotFound, PlanForbidden
from chalicelib.core.tenancy import TenantContext
from tests.fakes.accounts import FakeApiKeys, FakeAudit, FakeQueue, FakeTenants
from tests.fakes.analytics import FakeCounters
from tests.fakes.core import FakeClock, FakeEvents


@pytest.fixture
def ports():
    outbox = FakeEvents()  # the events the stores' writes keep
    return accounts.AccountPorts(
        tenants=FakeTenants(outbox),
        api_keys=FakeApiKeys(outbox),
        audit=FakeAudit(),
        counters=FakeCounters(),
        notifications=FakeQueue(),
        clock=FakeClock(),
        admin_key=lambda: "admin-secret",
    )


def _ctx(tenant, key):
    return TenantContext(tenant.tenant_id, key.key_id, key.scope, tenant.plan)


def test_opening_a_tenant_stores_it_with_a_first_key_and_says_so(ports):
    # given / when
    tenant, token, key = accounts.open_tenant(ports, "Acme", "professional", "ops@acme.test", None)
    # then
    assert ports.tenants.get(tenant.tenant_id).status == "active"
    assert parse_key(token).key_id == key.key_id and key.scope == "full"
    assert ports.tenants.outbox.types() == ["tenant.created"]
    assert [j["kind"] for j in ports.notifications.jobs] == ["tenant.welcome"]


def test_a_starter_tenant_starts_with_a_send_key_and_no_mail_without_contact(ports):
    _, _, key = accounts.open_tenant(ports, "Tiny", "starter", None, None)
    assert key.scope == "send"
    assert ports.notifications.jobs == []


def test_creating_and_revoking_keys(ports):
    tenant, _, first = accounts.open_tenant(ports, "Acme", "business", "ops@acme.test", None)
    ctx = _ctx(tenant, first)
    _, second = accounts.create_key(ports, ctx, "ci", "send")
    revoked = accounts.revoke_key(ports, ctx, second.key_id)
    assert revoked.revoked_at == ports.clock.now_iso()
    assert ports.tenants.outbox.types() == ["tenant.created", "api_key.created", "api_key.revoked"]
    assert [j["kind"] for j in ports.notifications.jobs][-2:] == [
        "api_key.created",
        "api_key.revoked",
    ]


def test_starter_cannot_mint_full_keys(ports):
    tenant, _, first = accounts.open_tenant(ports, "Tiny", "starter", None, None)
    with pytest.raises(PlanForbidden):
        accounts.create_key(ports, _ctx(tenant, first), "ci", "full")


def test_another_tenants_key_is_not_found(ports):
    a, _, a_key = accounts.open_tenant(ports, "A", "business", None, None)
    b, _, b_key = accounts.open_tenant(ports, "B", "business", None, None)
    with pytest.raises(NotFound):
        accounts.revoke_key(ports, _ctx(b, b_key), a_key.key_id)
    assert ports.api_keys.find(a.tenant_id, a_key.key_id).active


def test_unknown_tenants_are_not_found(ports):
    for tenant_id in ["ten_doesnotexist000000", "../etc", ""]:
        with pytest.raises(NotFound):
            accounts.find_tenant(ports, tenant_id)


def test_plan_change_is_published(ports):
    tenant, _, _ = accounts.open_tenant(ports, "Acme", "starter", None, None)
    updated = accounts.change_tenant(ports, tenant.tenant_id, {"plan": "business"})
    assert updated.plan == "business"
    assert ports.tenants.outbox.published[-1]["changes"] == ["plan"]


def test_usage_reads_this_months_counters(ports):
    tenant, _, key = accounts.open_tenant(ports, "Acme", "starter", None, None)
    ports.counters.apply_once(
        {
            "event_id": "evt_1",
            "type": "message.sent",
            "tenant_id": tenant.tenant_id,
            "occurred_at": ports.clock.now_iso(),
        }
    )
    usage = accounts.usage_this_month(ports, _ctx(tenant, key))
    assert usage["emails_sent"] == 1 and usage["emails_remaining"] == 9_999
