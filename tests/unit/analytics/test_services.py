"""Counting a batch with its messages' facts (one facts read per tenant, one provider
resolution per domain), and the dashboard reads over the fakes."""

from chalicelib.analytics.rules.counting import MessageFacts
from chalicelib.analytics.rules.ranges import DayRange
from chalicelib.analytics.service import Sources, count_batch, count_one, dashboard
from chalicelib.core.events import new_event
from tests.fakes.analytics import FakeAnalyticsReads, FakeCounters, FakeMessageFacts, FakeProviders

T = "ten_aaaaaaaaaaaaaaaaaaaa"
DAY = "2026-11-28"


def _facts(message_id, **fields):
    defaults = {"mailbox_id": "mbx_1", "domain_id": "dom_1", "recipient_domain": "acme.test"}
    return MessageFacts(message_id, **(defaults | fields))


def _sent(message_id, **fields):
    return new_event(
        "message.sent",
        T,
        f"{DAY}T10:00:00.000Z",
        message_id=message_id,
        mailbox_id="mbx_1",
        **fields,
    )


def _hit(kind, message_id, actor="human", at=f"{DAY}T11:00:00.000Z"):
    return new_event(kind, T, at, message_id=message_id, actor=actor)


def _world(facts):
    counters = FakeCounters()
    source = FakeMessageFacts({(T, f.message_id): f for f in facts})
    providers = FakeProviders({"acme.test": "microsoft"})
    return counters, FakeAnalyticsReads(counters), source, providers


def test_a_batch_reads_facts_once_and_counts_every_scope():
    # given two messages, one of a campaign step, and their events
    counters, reads, source, providers = _world(
        [_facts("msg_1", campaign_id="cmp_1", step=1, variant="A"), _facts("msg_2")]
    )
    batch = [
        _sent("msg_1"),
        _sent("msg_2"),
        new_event(
            "message.bounced", T, f"{DAY}T10:01:00.000Z", message_id="msg_2", mailbox_id="mbx_1"
        ),
    ]
    batch += [
        _hit("message.opened", "msg_1"),
        _hit("message.opened", "msg_1"),
        _hit("message.opened", "msg_1", "machine"),
    ]
    batch += [_hit("message.clicked", "msg_1")]
    # when
    assert count_batch(counters, batch, Sources(source, providers)) is True
    # then one facts read for the tenant and one resolution for the one domain
    assert source.calls == [(T, ("msg_1", "msg_2"))] and providers.asked == ["acme.test"]
    tenant = dashboard.overview(reads, T, DayRange(DAY, DAY))["counts"]
    assert {k: tenant[k] for k in ("sent", "bounced", "delivered", "opens_human")} == {
        "sent": 2,
        "bounced": 1,
        "delivered": 1,
        "opens_human": 2,
    }
    assert (tenant["unique_opens"], tenant["opens_machine"], tenant["unique_clicks"]) == (1, 1, 1)
    assert reads.days(T, "provider:microsoft", DAY, DAY)[DAY]["sent"] == 2
    assert reads.days(T, "domain:dom_1", DAY, DAY)[DAY]["bounced"] == 1
    steps = dashboard.campaign(reads, T, "cmp_1")["steps"]
    assert [(s["step"], s["variant"], s["counts"]["unique_opens"]) for s in steps] == [(1, "A", 1)]


def test_a_message_opened_before_gets_no_second_unique_open():
    counters, reads, source, providers = _world([_facts("msg_1", opens_human=1)])
    count_one(counters, _hit("message.opened", "msg_1"), Sources(source, providers))
    counts = reads.days(T, "tenant", DAY, DAY)[DAY]
    assert (counts["opens_human"], counts["unique_opens"]) == (1, 0)


def test_timeseries_fills_empty_buckets_and_rates_per_bucket():
    counters, reads, source, providers = _world([_facts("msg_1")])
    count_batch(
        counters, [_sent("msg_1"), _hit("message.opened", "msg_1")], Sources(source, providers)
    )
    span = DayRange("2026-11-20", "2026-12-01")
    weekly = dashboard.timeseries(reads, T, "tenant", "open_rate", "week", span)
    assert weekly["points"] == [
        {"period": "2026-11-16", "value": None},
        {"period": "2026-11-23", "value": 1.0},
        {"period": "2026-11-30", "value": None},
    ]
    monthly = dashboard.timeseries(reads, T, "mailbox:mbx_1", "sent", "month", span)
    assert monthly["points"] == [
        {"period": "2026-11", "value": 1},
        {"period": "2026-12", "value": 0},
    ]


def test_deliverability_lists_every_provider_and_the_heatmap_is_7_by_24():
    counters, reads, source, providers = _world([_facts("msg_1", time_zone="America/New_York")])
    count_batch(
        counters, [_sent("msg_1"), _hit("message.clicked", "msg_1")], Sources(source, providers)
    )
    span = DayRange(DAY, DAY)
    found = dashboard.deliverability(reads, T, span)
    assert [p["provider"] for p in found["providers"]] == [
        "gmail",
        "microsoft",
        "yahoo",
        "apple",
        "other",
    ]
    assert found["providers"][1]["counts"]["sent"] == 1
    assert [m["mailbox_id"] for m in found["mailboxes"]] == ["mbx_1"]
    heat = dashboard.heatmap(reads, T, span)
    assert len(heat["clicks"]) == 7 and {len(row) for row in heat["clicks"]} == {24}
    assert heat["clicks"][5][6] == 1  # 11:00 UTC on Saturday is 06:00 in New York
