"""The ``SendSlots`` contract: ``FakeSendSlots`` and ``DynamoSendSlots`` pass the same tests
(each reservation returns the window's total with itself counted; windows are apart per
tenant and per second; concurrent reservations never lose a slot). The real one's item
carries the TTL that drops it soon after its second."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.core import ids
from chalicelib.sending.ports import SendSlots
from chalicelib.sending.rules.send_rate import WINDOW_KEEP_SECONDS
from infrastructure.local import template as tpl
from tests.fakes.sending import FakeSendSlots
from tests.functional.twins import TWINS, twin

WINDOW = 1_900_000_000


@pytest.fixture(params=TWINS)
def slots(request) -> SendSlots:
    def real() -> SendSlots:
        from chalicelib.sending.wiring import send_slots

        return send_slots()

    return twin(request, FakeSendSlots, real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def test_each_reservation_returns_the_windows_total_with_itself(slots, tenant_id):
    assert slots.reserve(tenant_id, WINDOW, 4) == 4
    assert slots.reserve(tenant_id, WINDOW, 10) == 14
    assert slots.reserve(tenant_id, WINDOW, 1) == 15


def test_windows_are_apart_per_tenant_and_per_second(slots, tenant_id):
    slots.reserve(tenant_id, WINDOW, 9)
    assert slots.reserve(tenant_id, WINDOW + 1, 2) == 2
    assert slots.reserve(ids.new_id("ten"), WINDOW, 3) == 3


def test_concurrent_reservations_lose_no_slot(slots, tenant_id):
    with ThreadPoolExecutor(max_workers=8) as pool:
        totals = list(pool.map(lambda _: slots.reserve(tenant_id, WINDOW, 10), range(20)))
    # every caller saw a different total: each one's slots are its own
    assert sorted(totals) == list(range(10, 210, 10))


def test_the_window_item_is_tenant_led_and_expires_soon_after_its_second(aws, tenant_id):
    from chalicelib.sending.rate_store import SLOTS
    from chalicelib.sending.wiring import send_slots

    send_slots().reserve(tenant_id, WINDOW, 3)
    table = SLOTS.bind()
    item = table.client.get_item(
        TableName=table.name, Key={"tenant_id": {"S": tenant_id}, "sk": {"S": f"rate#{WINDOW}"}}
    )["Item"]
    assert item["reserved"] == {"N": "3"}
    assert item["expires_at"] == {"N": str(WINDOW + WINDOW_KEEP_SECONDS)}
    # the emulator's CloudFormation leaves TTL off, so the template is what is checked
    declared = tpl.load()["Resources"]["CountersTable"]["Properties"]
    assert declared["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
