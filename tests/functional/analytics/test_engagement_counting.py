"""Counting opens and clicks onto their message with the analytics counters, over moto: a
unique open is counted once however the events arrive, and a message whose opens changed
since they were read cancels the batch (the per-event path then reads it again)."""

from __future__ import annotations

import pytest

from chalicelib.analytics.ports import EngagementChanged
from chalicelib.core import ids
from chalicelib.core.events import new_event
from tests.functional.worlds import stored_message


@pytest.fixture
def world(aws):
    from chalicelib import analytics, sending

    tenant_id = ids.new_id("ten")
    mailbox = {"id": "mbx_aaaaaaaaaaaaaaaaaaaa", "domain_id": "dom_x", "email": "a@x.test"}
    message = stored_message(tenant_id, mailbox, to="p@gmail.com")
    counters = analytics.counting_store(sending.engagement())
    sources = analytics.Sources(sending.message_facts(), analytics.providers())
    return tenant_id, message, counters, sources


def _open(tenant_id: str, message_id: str, actor: str = "human") -> dict:
    return new_event(
        "message.opened", tenant_id, "2026-11-28T10:00:00.000Z", message_id=message_id, actor=actor
    )


def _tenant_day(tenant_id: str) -> dict[str, int]:
    from chalicelib import analytics

    return analytics.reads().days(tenant_id, "tenant", "2026-11-28", "2026-11-28")["2026-11-28"]


def test_message_facts_are_read_from_the_message(world):
    from chalicelib import sending

    tenant_id, message, _, _ = world
    facts = sending.message_facts()(tenant_id, [message.message_id, "msg_missing"])
    assert list(facts) == [message.message_id]
    found = facts[message.message_id]
    assert (found.mailbox_id, found.domain_id, found.recipient_domain) == (
        "mbx_aaaaaaaaaaaaaaaaaaaa",
        "dom_x",
        "gmail.com",
    )
    assert (found.opens_human, found.clicks_human, found.warmup) == (0, 0, False)


def test_a_change_since_the_read_cancels_and_the_recount_counts_once(world):
    from chalicelib import analytics
    from chalicelib.analytics.service import enrich

    tenant_id, message, counters, sources = world
    first, second = _open(tenant_id, message.message_id), _open(tenant_id, message.message_id)
    # given both opens enriched while the message had none
    stale = enrich(sources, [second])
    assert analytics.count_one(counters, first, sources) is True
    # when the second is counted with the stale read
    with pytest.raises(EngagementChanged):
        counters.apply_once(second, stale[second["event_id"]])
    assert counters.apply_many([second], stale) is False
    # then counting it again reads the message anew: one unique open for two human opens
    assert analytics.count_one(counters, second, sources) is True
    counts = _tenant_day(tenant_id)
    assert (counts["opens_human"], counts["unique_opens"]) == (2, 1)
    assert (
        counts
        == analytics.reads().days(tenant_id, "provider:gmail", "2026-11-28", "2026-11-28")[
            "2026-11-28"
        ]
    )


def test_an_orphan_open_writes_no_message_item(world):
    from chalicelib import analytics, sending

    tenant_id, _, counters, sources = world
    orphan = _open(tenant_id, "msg_gone")
    assert analytics.count_batch(counters, [orphan], sources) is True
    assert sending.messages().get(tenant_id, "msg_gone") is None
    assert _tenant_day(tenant_id)["opens_human"] == 1
