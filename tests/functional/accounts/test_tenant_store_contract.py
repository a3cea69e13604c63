"""The ``TenantStore`` contract: ``FakeTenants`` and ``DynamoTenantRepository`` pass the same
tests (round trip, create refuses an existing tenant, save refuses a missing one)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.accounts.ports import TenantStore
from chalicelib.accounts.rules.tenants import Tenant, new_tenant
from chalicelib.core import ids
from tests.fakes.accounts import FakeTenants
from tests.functional.twins import TWINS, refused, twin

NOW = "2026-11-28T12:00:00.000Z"


@pytest.fixture(params=TWINS)
def store(request) -> TenantStore:
    def real() -> TenantStore:
        from chalicelib.accounts.wiring import tenants

        return tenants()

    return twin(request, FakeTenants, real)


def _tenant(**extra: str) -> Tenant:
    return new_tenant("Acme", "business", NOW, **extra)


def test_a_created_tenant_reads_back_whole(store):
    tenant = _tenant(contact_email="ops@acme.test", postal_address="1 Road, Town")
    store.create(tenant)
    assert store.get(tenant.tenant_id) == tenant


def test_a_tenant_without_contact_details_keeps_none(store):
    tenant = _tenant()
    store.create(tenant)
    assert store.get(tenant.tenant_id) == tenant


def test_an_unknown_tenant_is_not_found(store):
    assert store.get(ids.new_id("ten")) is None


def test_saving_replaces_the_tenant(store):
    tenant = _tenant()
    store.create(tenant)
    changed = replace(tenant, plan="professional", status="suspended", updated_at="later")
    store.save(changed)
    assert store.get(tenant.tenant_id) == changed


def test_creating_an_existing_tenant_is_refused_and_keeps_the_first(store):
    # given
    tenant = _tenant()
    store.create(tenant)

    # when
    again = refused(lambda: store.create(replace(tenant, name="Impostor")))

    # then
    assert again
    assert store.get(tenant.tenant_id) == tenant


def test_saving_a_missing_tenant_is_refused_and_creates_nothing(store):
    tenant = _tenant()
    assert refused(lambda: store.save(tenant))
    assert store.get(tenant.tenant_id) is None
