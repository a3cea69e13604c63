"""The ``RecentClicks`` contract: ``FakeRecentClicks`` and ``DynamoRecentClicks`` pass the
same tests (a click answers the clicks noted before it, each link keeps its latest time, one
item per tenant and message), and the table item is small and expires."""

from __future__ import annotations

import pytest

from chalicelib.core import ids
from chalicelib.tracking.ports import RecentClicks
from tests.fakes.tracking import FakeRecentClicks
from tests.functional.twins import TWINS, twin

AT = 1_900_000_000.25


@pytest.fixture(params=TWINS)
def store(request) -> RecentClicks:
    def real() -> RecentClicks:
        from chalicelib.tracking.wiring import recent_clicks

        return recent_clicks()

    return twin(request, FakeRecentClicks, real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def test_the_first_click_of_a_message_finds_none_before_it(store, tenant_id):
    assert store.record(tenant_id, "msg_one", 0, AT) == []


def test_each_click_answers_the_latest_click_of_every_link_before_it(store, tenant_id):
    store.record(tenant_id, "msg_one", 0, AT)
    store.record(tenant_id, "msg_one", 2, AT + 0.5)
    assert store.record(tenant_id, "msg_one", 0, AT + 1) == [(0, AT), (2, AT + 0.5)]
    assert store.record(tenant_id, "msg_one", 1, AT + 1.25) == [(0, AT + 1), (2, AT + 0.5)]


def test_clicks_are_apart_per_tenant_and_message(store, tenant_id):
    store.record(tenant_id, "msg_one", 0, AT)
    assert store.record(tenant_id, "msg_two", 0, AT) == []
    assert store.record(ids.new_id("ten"), "msg_one", 0, AT) == []


def test_the_item_is_tenant_led_small_and_expires(aws, tenant_id):
    import boto3

    from chalicelib.tracking.store import KEEP_SECONDS
    from chalicelib.tracking.wiring import recent_clicks

    # given two clicks of one message through the real store
    recent_clicks().record(tenant_id, "msg_one", 0, AT)
    recent_clicks().record(tenant_id, "msg_one", 3, AT + 1)
    # then one item holds them, keyed by tenant and message, with a TTL a day on
    table = boto3.client("dynamodb", region_name="us-east-1")
    item = table.get_item(
        TableName=aws["ClicksTable"], Key={"tenant_id": {"S": tenant_id}, "sk": {"S": "msg_one"}}
    )["Item"]
    assert set(item) == {"tenant_id", "sk", "l0", "l3", "expires_at"}
    assert int(item["expires_at"]["N"]) == int(AT + 1) + KEEP_SECONDS
