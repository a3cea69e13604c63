import pytest

from chalicelib.accounts.rules import tenants
from chalicelib.core import plans
from chalicelib.core.errors import Conflict, PlanForbidden, TenantSuspended


def test_plans_carry_the_product_numbers():
    assert plans.PLANS["starter"].emails_per_month == 10_000
    assert plans.PLANS["professional"].mailboxes == 50
    assert plans.PLANS["business"].domains is None
    assert plans.PLANS["enterprise"].send_rate_per_second == 300
    assert plans.PLANS["starter"].limits()["api_scopes"] == ["send"]


def test_starter_keys_are_capped_at_the_send_scope():
    starter = plans.plan_named("starter")
    assert plans.effective_scope(starter, "full") == "send"
    with pytest.raises(PlanForbidden) as err:
        plans.ensure_scope_allowed(starter, "full")
    assert err.value.details["field"] == "scope"
    plans.ensure_scope_allowed(plans.plan_named("business"), "full")


def test_status_changes_are_limited_to_active_and_suspended():
    tenant = tenants.new_tenant("Acme", "starter", "t0")
    suspended = tenants.apply_changes(tenant, {"status": "suspended", "plan": None}, "t1")
    assert (suspended.status, suspended.plan, suspended.updated_at) == (
        "suspended",
        "starter",
        "t1",
    )
    with pytest.raises(Conflict):
        tenants.apply_changes(tenant, {"status": "deleted"}, "t1")


def test_a_suspended_tenant_is_stopped():
    tenant = tenants.new_tenant("Acme", "starter", "t0")
    tenants.ensure_active(tenant)
    with pytest.raises(TenantSuspended):
        tenants.ensure_active(tenants.apply_changes(tenant, {"status": "suspended"}, "t1"))
