"""The analytics rules: rates from counts, what an event adds to which counter item, unique
opens and clicks decided in batch order, recipient providers, and the read API's ranges."""

from datetime import date

import pytest

from chalicelib.analytics.rules import scopes
from chalicelib.analytics.rules.counting import (
    Enrichment,
    MessageFacts,
    decide,
    engagement_after,
    event_increments,
    increments,
)
from chalicelib.analytics.rules.metrics import COUNT_METRICS, RATE_METRICS, rates, summed
from chalicelib.analytics.rules.providers import by_mx, recipient_domain, well_known
from chalicelib.analytics.rules.ranges import bucket, parse_group, parse_metric, parse_range
from chalicelib.core.errors import BadRequest, UnprocessableEntity
from chalicelib.core.events import new_event

T = "ten_aaaaaaaaaaaaaaaaaaaa"
AT = "2026-11-28T22:30:00.000Z"  # a Saturday


def _open(actor="human", message_id="msg_1", at=AT):
    return new_event("message.opened", T, at, message_id=message_id, actor=actor)


FACTS = MessageFacts(
    "msg_1",
    mailbox_id="mbx_1",
    domain_id="dom_1",
    campaign_id="cmp_1",
    step=2,
    variant="B",
    recipient_domain="gmail.com",
    time_zone="Asia/Tokyo",
)


def test_rates_follow_product_formulas_with_delivered_derived():
    counts = {"sent": 200, "bounced": 10, "unique_opens": 95, "unique_clicks": 19}
    counts |= {"replies": 4, "complaints": 1, "unsubscribes": 2}
    assert rates(counts) == {
        "delivery_rate": 0.95,
        "bounce_rate": 0.05,
        "open_rate": 0.5,
        "click_rate": 0.1,
        "click_to_open_rate": 0.2,
        "reply_rate": 0.0211,
        "spam_rate": 0.0053,
        "unsubscribe_rate": 0.0105,
    }
    assert set(rates({})) == set(RATE_METRICS) and set(rates({}).values()) == {None}


def test_summed_days_recompute_delivered_and_list_every_count():
    total = summed([{"sent": 3, "delivered": 99}, {"bounced": 1, "opens_machine": 2}])
    assert list(total)[: len(COUNT_METRICS)] == list(COUNT_METRICS)
    assert (total["sent"], total["delivered"], total["opens_machine"]) == (3, 2, 2)


def test_a_human_open_counts_in_every_scope_step_heatmap_and_breakdown():
    adds = increments(_open(), Enrichment(FACTS, "gmail", unique=True))
    both = {"m_opens_human": 1, "m_unique_opens": 1}
    for key in ("day#2026-11-28", "c#cmp_1#day#2026-11-28", "m#mbx_1#day#2026-11-28"):
        assert adds[key] == both
    assert adds["d#dom_1#day#2026-11-28"] == both and adds["p#gmail#day#2026-11-28"] == both
    assert adds["c#cmp_1#step#2#B"] == both
    # 22:30 UTC on Saturday is 07:30 on Sunday in Tokyo
    assert adds["heat#2026-11"] == {"ho6_7": 1}
    assert adds["bd#2026-11-28"]["p.gmail.unique_opens"] == 1
    assert adds["bd#2026-11-28"]["m.mbx_1.opens_human"] == 1


def test_a_machine_open_stays_apart_and_out_of_the_heatmap():
    adds = increments(_open("machine"), Enrichment(FACTS, "gmail", unique=False))
    assert adds["day#2026-11-28"] == {"m_opens_machine": 1}
    assert "heat#2026-11" not in adds


def test_warmup_mail_counts_only_in_its_mailbox_under_warmup_names():
    sent = new_event("message.sent", T, AT, message_id="msg_1", mailbox_id="mbx_1")
    adds = increments(sent, Enrichment(MessageFacts("msg_1", mailbox_id="mbx_1", warmup=True)))
    assert adds == {"m#mbx_1#day#2026-11-28": {"m_warmup_sent": 1}}
    tagged = {**sent, "tags": ["warmup"], "purpose": None}
    assert increments(tagged, None) == {"m#mbx_1#day#2026-11-28": {"m_warmup_sent": 1}}
    # the per-tenant event counters count warm-up mail apart: the monthly allowance and the
    # mailbox's daily cap (``message_sent``) never see it (issue 15)
    counters = event_increments(tagged, None)
    assert counters["mailbox#mbx_1#day#2026-11-28"] == {"n_warmup_message_sent": 1}
    assert counters["month#2026-11"] == {"n_warmup_message_sent": 1}


def test_events_without_metrics_move_only_the_event_counters():
    created = new_event("tenant.created", T, AT)
    assert increments(created, None) == {}
    assert set(event_increments(created, None)) == {"month#2026-11", "day#2026-11-28"}


def test_unique_opens_are_decided_once_per_message_in_batch_order():
    seen = MessageFacts("msg_2", opens_human=1)
    facts = {"msg_1": FACTS, "msg_2": seen}
    batch = [_open("machine"), _open(), _open(), _open(message_id="msg_2")]
    decided = decide(batch, facts, {"gmail.com": "gmail"})
    assert [decided[e["event_id"]].unique for e in batch] == [False, True, False, False]
    assert decided[batch[1]["event_id"]].provider == "gmail"


def test_engagement_after_a_chunk_adds_its_human_opens_and_clicks():
    clicked = {**_open(), "type": "message.clicked"}
    after = engagement_after({(T, "msg_1"): (0, 0)}, [_open(), _open("machine"), clicked])
    assert after == {(T, "msg_1"): (1, 1)}


@pytest.mark.parametrize(
    ("domain", "provider"),
    [("gmail.com", "gmail"), ("googlemail.com", "gmail"), ("hotmail.co.uk", "microsoft")]
    + [("msn.com", "microsoft"), ("ymail.com", "yahoo"), ("aol.com", "yahoo"), ("me.com", "apple")]
    + [("example.test", None)],
)
def test_well_known_domains(domain, provider):
    assert well_known(domain) == provider


def test_providers_by_mx_hosts():
    assert by_mx(["10 aspmx.l.google.com."]) == "gmail"
    assert by_mx(["acme-com.mail.protection.outlook.com"]) == "microsoft"
    assert by_mx(["1 mta5.am0.yahoodns.net"]) == "yahoo"
    assert by_mx(["10 mx01.mail.icloud.com"]) == "apple"
    assert by_mx(["10 mx.notgoogle.com", ""]) == "other" and by_mx([]) == "other"
    assert recipient_domain("A@Example.TEST") == "example.test"


def test_scope_keys_read_back():
    assert scopes.scope_day("campaign:cmp_1", "2026-01-02") == "c#cmp_1#day#2026-01-02"
    assert scopes.day_of("m#mbx_1#day#2026-01-02") == "2026-01-02"
    assert scopes.step_of(scopes.step_key("cmp_1", 3, None)) == (3, None)
    assert scopes.heat_cell(scopes.heat_attribute("clicks", 6, 23)) == ("clicks", 6, 23)
    assert scopes.breakdown_cell("p.gmail.sent") == ("provider", "gmail", "sent")
    with pytest.raises(BadRequest):
        scopes.parse_scope("provider:hotmail")
    with pytest.raises(BadRequest):
        scopes.parse_scope("tenant:x")


TODAY = date(2026, 11, 28)


def test_the_range_defaults_to_the_last_30_days():
    span = parse_range({}, TODAY)
    assert (span.first, span.last, len(span.days())) == ("2026-10-30", "2026-11-28", 30)
    assert parse_range({"from": "2026-11-01", "to": "2026-12-31"}, TODAY).months() == [
        "2026-11",
        "2026-12",
    ]


@pytest.mark.parametrize(
    ("query", "error", "field"),
    [
        ({"from": "2026-13-01"}, BadRequest, "from"),
        ({"to": "yesterday"}, BadRequest, "to"),
        ({"from": "2026-1-1"}, BadRequest, "from"),
        ({"from": "2026-11-29", "to": "2026-11-28"}, UnprocessableEntity, "from"),
        ({"from": "2025-01-01", "to": "2026-11-28"}, UnprocessableEntity, "from"),
    ],
)
def test_bad_ranges_name_their_field(query, error, field):
    with pytest.raises(error) as raised:
        parse_range(query, TODAY)
    assert raised.value.details["field"] == field


def test_metrics_groups_and_buckets():
    assert parse_metric("open_rate") == "open_rate" and parse_metric(None) == "sent"
    assert parse_group(None) == "day"
    for bad, parse in (("opens", parse_metric), ("year", parse_group)):
        with pytest.raises(BadRequest):
            parse(bad)
    assert bucket("2026-11-28", "week") == "2026-11-23"  # the Monday of its ISO week
    assert (
        bucket("2026-11-28", "month") == "2026-11" and bucket("2026-11-28", "day") == "2026-11-28"
    )
    assert parse_range({"from": "2025-10-25", "to": "2026-11-28"}, TODAY).first == "2025-10-25"
