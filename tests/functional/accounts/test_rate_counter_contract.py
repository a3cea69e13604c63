"""The ``RateCounter`` contract: ``FakeRateCounter`` and ``DynamoRateCounter`` pass the same
tests (a count per second for the tenant and per key, the previous second's count beside it
within a minute, 0 for it across a minute's edge, tenants apart), and the real one pays one
UpdateItem per hit, nothing else."""

from __future__ import annotations

import pytest

from chalicelib.accounts.ports import RateCounter
from chalicelib.accounts.rules.limits import WindowCounts
from chalicelib.core import ids
from tests.fakes.accounts import FakeRateCounter
from tests.functional.twins import TWINS, twin

MINUTE_START = 1_900_000_020  # an epoch second that opens a minute (divisible by 60)


@pytest.fixture(params=TWINS)
def counter(request) -> RateCounter:
    def real() -> RateCounter:
        from chalicelib.accounts.wiring import rate_counter

        return rate_counter()

    return twin(request, FakeRateCounter, real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def test_each_hit_counts_for_the_tenant_and_the_key_in_its_second(counter, tenant_id):
    key = ids.new_id("key")
    second = MINUTE_START + 7
    assert counter.hit(tenant_id, key, second) == WindowCounts(tenant=(0, 1), key=(0, 1))
    assert counter.hit(tenant_id, key, second) == WindowCounts(tenant=(0, 2), key=(0, 2))


def test_the_previous_second_comes_back_beside_this_one(counter, tenant_id):
    key, other_key = ids.new_id("key"), ids.new_id("key")
    second = MINUTE_START + 30
    for _ in range(3):
        counter.hit(tenant_id, key, second - 1)
    # when another key of the tenant calls in the next second
    counts = counter.hit(tenant_id, other_key, second)
    # then the tenant's window holds both seconds, the other key's only its own call
    assert counts == WindowCounts(tenant=(3, 1), key=(0, 1))
    assert counter.hit(tenant_id, key, second) == WindowCounts(tenant=(3, 2), key=(3, 1))


def test_a_minutes_first_second_does_not_see_the_last_second_before_it(counter, tenant_id):
    key = ids.new_id("key")
    counter.hit(tenant_id, key, MINUTE_START - 1)
    assert counter.hit(tenant_id, key, MINUTE_START) == WindowCounts(tenant=(0, 1), key=(0, 1))
    assert counter.hit(tenant_id, key, MINUTE_START + 1) == WindowCounts(tenant=(1, 1), key=(1, 1))


def test_tenants_count_apart(counter, tenant_id):
    key, second = ids.new_id("key"), MINUTE_START + 12
    counter.hit(tenant_id, key, second)
    other = ids.new_id("ten")
    assert counter.hit(other, ids.new_id("key"), second) == WindowCounts(tenant=(0, 1), key=(0, 1))


def test_the_real_counter_pays_one_update_item_per_hit_and_sets_a_ttl(aws, tenant_id):
    from chalicelib.accounts.limits_store import item_key
    from chalicelib.accounts.wiring import rate_counter
    from chalicelib.aws import clients

    # given every request the shared DynamoDB client makes, by operation
    client = clients.dynamodb()
    calls: list[str] = []

    def seen(model, **_):
        calls.append(model.name)

    client.meta.events.register("before-call.dynamodb", seen)
    second = MINUTE_START + 41
    # when three requests are counted
    for _ in range(3):
        rate_counter().hit(tenant_id, ids.new_id("key"), second)
    client.meta.events.unregister("before-call.dynamodb", seen)
    # then three UpdateItems and nothing else, and the minute's item expires after it
    assert calls == ["UpdateItem"] * 3
    item = client.get_item(
        TableName=rate_counter()._table, Key=item_key(tenant_id, second), ConsistentRead=True
    )["Item"]
    assert item["s41"] == {"N": "3"}
    assert int(item["expires_at"]["N"]) > second + 60
