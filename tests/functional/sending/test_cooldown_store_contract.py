"""The ``CooldownStore`` contract: ``FakeCooldowns`` and ``DynamoCooldowns`` pass the same
tests (none is 0, the last set wins, one per tenant, mailbox and provider; many read at
once, those without a cool-down left out)."""

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


def test_many_cooldowns_read_at_once_leave_out_those_without_one(store, tenant_id):
    store.set(tenant_id, "mbx_one", "gmail", UNTIL)
    store.set(tenant_id, "mbx_two", "microsoft", UNTIL + 5)
    store.set(ids.new_id("ten"), "mbx_two", "gmail", UNTIL)
    pairs = [(f"mbx_{n}", p) for n in ("one", "two", "three") for p in ("gmail", "microsoft")]
    assert store.get_many(tenant_id, pairs) == {
        ("mbx_one", "gmail"): UNTIL,
        ("mbx_two", "microsoft"): UNTIL + 5,
    }
    assert store.get_many(tenant_id, []) == {}


def test_the_real_store_reads_many_cooldowns_in_batch_gets_of_100_keys(aws, tenant_id):
    from chalicelib.aws import clients
    from chalicelib.sending.wiring import cooldowns

    store, client, calls = cooldowns(), clients.dynamodb(), []
    store.set(tenant_id, "mbx_59", "microsoft", UNTIL)
    pairs = [(f"mbx_{n}", p) for n in range(60) for p in ("gmail", "microsoft")]

    def seen(model, params, **_):
        calls.append((model.name, sum(len(v["Keys"]) for v in params["RequestItems"].values())))

    client.meta.events.register("before-parameter-build.dynamodb", seen)
    try:
        found = store.get_many(tenant_id, pairs)
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb", seen)
    assert found == {("mbx_59", "microsoft"): UNTIL}
    assert calls == [("BatchGetItem", 100), ("BatchGetItem", 20)]
