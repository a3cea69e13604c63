"""The ``NotificationClaims`` contract: ``FakeClaims`` and ``DynamoClaims`` pass the same tests
(one worker at a time, done is done, a released or stale claim can be taken)."""

from __future__ import annotations

import pytest

from chalicelib.accounts.ports import NotificationClaims
from chalicelib.core import ids
from tests.fakes.accounts import FakeClaims
from tests.functional.twins import TWINS, twin


@pytest.fixture(params=TWINS)
def claims(request) -> NotificationClaims:
    def real() -> NotificationClaims:
        from chalicelib.accounts.wiring import claims

        return claims()

    return twin(request, FakeClaims, real)


@pytest.fixture(params=TWINS)
def expired_claims(request) -> NotificationClaims:
    """Claims whose lease is over as soon as they are taken (a negative lease), so an
    in-progress claim reads as its worker having died: no clock needs to move."""

    def real() -> NotificationClaims:
        from chalicelib.accounts.claims_store import DynamoClaims
        from chalicelib.aws import dynamodb

        dynamodb.bind_models()
        return DynamoClaims(lease_seconds=-10)

    return twin(request, lambda: FakeClaims(lease_seconds=-10), real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def test_a_claim_is_taken_once_while_in_progress(claims, tenant_id):
    assert claims.claim(tenant_id, "notification", "ntf_1") is True
    assert claims.claim(tenant_id, "notification", "ntf_1") is False


def test_claims_are_apart_per_tenant_scope_and_item(claims, tenant_id):
    assert claims.claim(tenant_id, "notification", "ntf_1") is True
    assert claims.claim(tenant_id, "notification", "ntf_2") is True
    assert claims.claim(tenant_id, "other", "ntf_1") is True
    assert claims.claim(ids.new_id("ten"), "notification", "ntf_1") is True


def test_a_completed_claim_is_never_taken_again(claims, tenant_id):
    claims.claim(tenant_id, "notification", "ntf_1")
    claims.complete(tenant_id, "notification", "ntf_1")
    assert claims.claim(tenant_id, "notification", "ntf_1") is False


def test_a_released_claim_can_be_taken_at_once(claims, tenant_id):
    claims.claim(tenant_id, "notification", "ntf_1")
    claims.release(tenant_id, "notification", "ntf_1")
    assert claims.claim(tenant_id, "notification", "ntf_1") is True


def test_a_claim_whose_lease_is_over_is_taken_over(expired_claims, tenant_id):
    assert expired_claims.claim(tenant_id, "notification", "ntf_1") is True
    assert expired_claims.claim(tenant_id, "notification", "ntf_1") is True


def test_a_completed_claim_stays_done_after_its_lease(expired_claims, tenant_id):
    expired_claims.claim(tenant_id, "notification", "ntf_1")
    expired_claims.complete(tenant_id, "notification", "ntf_1")
    assert expired_claims.claim(tenant_id, "notification", "ntf_1") is False
