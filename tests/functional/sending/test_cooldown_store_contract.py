"""The ``CooldownStore`` contract: ``FakeCooldowns`` and ``DynamoCooldowns`` pass the same
tests (none is 0, the last set wins, one per tenant, mailbox and provider)."""

from __future__ import annotations

import pytest

from chalicelib.core import ids
from chalicelib.sending.ports import CooldownStore
from tests.fakes.sending import FakeCooldowns
from tests.functional.twins import TWINS, twin

UNTIL = 1_900_000_000


@pytest.fixture(params=TWINS)
def store(request) -> CooldownStore:
    def real() -> CooldownStore:
        from chalicelib.sending.wiring import cooldowns

        return cooldowns()

    return twin(request, FakeCooldowns, real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def test_a_mailbox_without_a_cooldown_reads_zero(store, tenant_id):
    assert store.get(tenant_id, "mbx_one", "gmail") == 0


def test_a_cooldown_reads_back_and_the_last_one_set_wins(store, tenant_id):
    store.set(tenant_id, "mbx_one", "gmail", UNTIL)
    assert store.get(tenant_id, "mbx_one", "gmail") == UNTIL
    store.set(tenant_id, "mbx_one", "gmail", UNTIL + 600)
    assert store.get(tenant_id, "mbx_one", "gmail") == UNTIL + 600


def test_cooldowns_are_apart_per_tenant_mailbox_and_provider(store, tenant_id):
    store.set(tenant_id, "mbx_one", "gmail", UNTIL)
    assert store.get(tenant_id, "mbx_one", "microsoft") == 0
    assert store.get(tenant_id, "mbx_two", "gmail") == 0
    assert store.get(ids.new_id("ten"), "mbx_one", "gmail") == 0
