"""The event consumer bench's core on one batch, so it cannot rot: the floor, the consumer
and a redelivery each see every event; the consumer reads the batch's message facts once
and writes in a few transactions; a redelivery counts nothing twice. Figures only: nothing
here is about time."""

from __future__ import annotations

from chalicelib.core import ids
from tests.bench import analytics_consumer as bench


def test_the_consumer_is_measured_with_its_requests_and_counts_each_event_once(aws):
    from chalicelib import analytics

    # given a tenant whose batch of 100 events (25 messages) is measured
    tenant_id = ids.new_id("ten")
    # when
    floor, consumer, again = bench.measure(bench.BATCH, tenant_id)
    # then every run saw every event, and the consumer took few requests for the batch
    assert [f.events for f in (floor, consumer, again)] == [bench.BATCH] * 3
    assert floor.requests == {"UpdateItem": 1}
    assert consumer.requests["BatchGetItem"] == 1  # the 25 messages' facts at once
    assert consumer.requests["Query"] == 1  # the tenant's live-update subscribers, at once
    assert set(consumer.requests) == {"BatchGetItem", "TransactWriteItems", "Query"}
    assert sum(consumer.requests.values()) <= 6
    assert consumer.rate > 0 and consumer.own_rate >= consumer.rate
    # and the redelivery counted nothing twice
    day = analytics.reads().days(tenant_id, "tenant", bench.DAY, bench.DAY)[bench.DAY]
    messages = bench.BATCH // bench.PER_MESSAGE
    assert (day["sent"], day["opens_human"], day["opens_machine"]) == (messages,) * 3
    assert (day["clicks_human"], day["unique_clicks"], day["unique_opens"]) == (messages,) * 3
    campaign = analytics.reads().days(tenant_id, "campaign:cmp_bench", bench.DAY, bench.DAY)
    assert campaign[bench.DAY]["opens_human"] == messages
