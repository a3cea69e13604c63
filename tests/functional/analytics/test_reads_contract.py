"""The ``AnalyticsReads`` contract: ``FakeAnalyticsReads`` over ``FakeCounters`` and
``DynamoAnalyticsReads`` over ``DynamoCounterStore`` read back the same counts for the same
enriched events (per scope and day, per step and variant, heatmap, breakdown)."""

from __future__ import annotations

import pytest

from chalicelib.analytics.rules.counting import MessageFacts, decide
from chalicelib.core import ids
from chalicelib.core.events import new_event
from tests.fakes.analytics import FakeAnalyticsReads, FakeCounters
from tests.functional.twins import TWINS, twin


@pytest.fixture(params=TWINS)
def store(request):
    """(counters, reads) of one kind."""

    def fake():
        counters = FakeCounters()
        return counters, FakeAnalyticsReads(counters)

    def real():
        from chalicelib.analytics.wiring import counters, reads

        return counters(), reads()

    return twin(request, fake, real)


FACTS = MessageFacts(
    "msg_1",
    mailbox_id="mbx_1",
    domain_id="dom_1",
    campaign_id="cmp_1",
    step=1,
    variant="A",
    recipient_domain="gmail.com",
)


def _events(tenant_id: str) -> list[dict]:
    def sent(day: str) -> dict:
        return new_event("message.sent", tenant_id, f"{day}T09:00:00.000Z", message_id="msg_1")

    opened = new_event(
        "message.opened", tenant_id, "2026-11-02T09:30:00.000Z", message_id="msg_1", actor="human"
    )
    return [sent("2026-10-31"), sent("2026-11-01"), sent("2026-11-02"), opened]


def _count(counters, tenant_id: str) -> None:
    events = _events(tenant_id)
    assert counters.apply_many(events, decide(events, {"msg_1": FACTS}, {"gmail.com": "gmail"}))


def test_days_of_a_scope_are_read_for_the_range_only(store):
    counters, reads = store
    tenant_id = ids.new_id("ten")
    _count(counters, tenant_id)
    days = reads.days(tenant_id, "campaign:cmp_1", "2026-11-01", "2026-11-02")
    assert sorted(days) == ["2026-11-01", "2026-11-02"]
    assert days["2026-11-02"]["unique_opens"] == 1 and days["2026-11-02"]["delivered"] == 1
    assert reads.days(tenant_id, "tenant", "2026-10-01", "2026-10-31")["2026-10-31"]["sent"] == 1
    assert (
        reads.days(tenant_id, "provider:gmail", "2026-11-01", "2026-11-01")["2026-11-01"]["sent"]
        == 1
    )
    assert reads.days(tenant_id, "mailbox:mbx_2", "2026-10-01", "2026-12-01") == {}
    assert reads.days(ids.new_id("ten"), "tenant", "2026-10-01", "2026-12-01") == {}


def test_steps_heat_and_breakdown(store):
    counters, reads = store
    tenant_id = ids.new_id("ten")
    _count(counters, tenant_id)
    steps = reads.steps(tenant_id, "cmp_1")
    assert list(steps) == [(1, "A")] and steps[(1, "A")]["sent"] == 3
    heat = reads.heat(tenant_id, ["2026-10", "2026-11"])
    assert heat == {"opens": {(0, 9): 1}, "clicks": {}}  # 2026-11-02 is a Monday
    found = reads.breakdown(tenant_id, "2026-11-01", "2026-11-30")
    assert found["mailbox"]["mbx_1"]["sent"] == 2 and found["domain"]["dom_1"]["opens_human"] == 1
    assert found["provider"]["gmail"]["unique_opens"] == 1
