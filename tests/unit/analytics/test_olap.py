"""The OLAP row: every column of ``COLUMNS`` in order, ids only, the recipient's domain,
warm-up mail tagged whichever way the event says so."""

from __future__ import annotations

from chalicelib.analytics import olap
from chalicelib.core.events import new_event

AT = "2026-11-28T12:34:56.789Z"


def _sent(**fields):
    base = {
        "message_id": "msg_1",
        "mailbox_id": "mbx_1",
        "to": "Ann.Lee@Example.COM",
        "attempt": 1,
        "smtp_code": 250,
    }
    return new_event("message.sent", "ten_1", AT, **(base | fields))


def test_a_row_has_every_column_in_order():
    row = olap.row(_sent(campaign_id="cmp_1", step=2, variant="b", contact_id="con_1"))
    assert list(row) == [name for name, _ in olap.COLUMNS]
    assert row["type"] == "message.sent"
    assert row["tenant_id"] == "ten_1"
    assert row["day"] == "2026-11-28"
    assert row["occurred_at"] == "2026-11-28 12:34:56.789"
    assert (row["campaign_id"], row["step"], row["variant"]) == ("cmp_1", 2, "b")
    assert row["smtp_code"] == 250
    assert row["contact_id"] == "con_1"


def test_the_recipient_is_reduced_to_its_domain():
    row = olap.row(_sent())
    assert row["recipient_domain"] == "example.com"
    assert "Ann.Lee@Example.COM" not in row.values()
    assert olap.recipient_domain("no address") is None
    assert olap.recipient_domain(None) is None
    assert olap.recipient_domain("Ann <ann@mail.example.org>") == "mail.example.org"


def test_fields_the_event_lacks_are_none_and_tags_an_empty_list():
    row = olap.row(new_event("tenant.created", "ten_1", AT, name="x", plan="starter"))
    assert row["message_id"] is None
    assert row["step"] is None and row["smtp_code"] is None
    assert row["recipient_domain"] is None
    assert row["tags"] == []


def test_an_open_keeps_its_actor():
    event = new_event("message.opened", "ten_1", AT, message_id="msg_1", actor="machine")
    assert olap.row(event)["actor"] == "machine"


def test_warmup_mail_lands_tagged_whichever_way_the_event_says_so():
    by_tag = olap.row(_sent(tags=["warmup", "q4"]))
    by_purpose = olap.row(_sent(purpose="warmup", tags=["q4"]))
    plain = olap.row(_sent(tags=["q4"]))
    assert by_tag["tags"] == ["warmup", "q4"]
    assert by_purpose["tags"] == ["q4", "warmup"]
    assert olap.is_warmup(by_tag) and olap.is_warmup(by_purpose)
    assert not olap.is_warmup(plain)


def test_malformed_numbers_and_objects_are_left_out():
    row = olap.row(_sent(step=True, smtp_code="x", variant={"a": 1}))
    assert row["step"] is None and row["smtp_code"] is None and row["variant"] is None
    assert olap.row(_sent(smtp_code="550"))["smtp_code"] == 550


def test_partitions_and_data_columns_split_the_schema():
    assert olap.PARTITIONS == ("tenant_id", "day")
    assert [n for n, _ in olap.data_columns()] == [
        n for n, _ in olap.COLUMNS if n not in olap.PARTITIONS
    ]
    assert olap.partition_prefix("ten_1", "2026-11-28") == (
        "analytics/events/tenant_id=ten_1/day=2026-11-28/"
    )


def _facts(**extra):
    from chalicelib.analytics.rules.counting import MessageFacts

    return MessageFacts(
        message_id="msg_1",
        mailbox_id="mbx_f",
        domain_id="dom_f",
        campaign_id="cmp_f",
        step=2,
        variant="B",
        recipient_domain="acme.test",
        **extra,
    )


def _opened(**extra):
    return {
        "event_id": "evt_1",
        "type": "message.opened",
        "occurred_at": "2026-11-28T10:00:00.000Z",
        "tenant_id": "ten_a",
        "message_id": "msg_1",
        "actor": "human",
        **extra,
    }


def test_rows_fill_what_an_event_lacks_from_its_messages_facts_and_keep_what_it_has():
    facts = {"ten_a": {"msg_1": _facts()}}
    (bare, own) = olap.rows([_opened(), _opened(mailbox_id="mbx_own", to="x@own.test")], facts)
    assert (bare["campaign_id"], bare["step"], bare["variant"]) == ("cmp_f", 2, "B")
    assert (bare["mailbox_id"], bare["domain_id"], bare["recipient_domain"]) == (
        "mbx_f",
        "dom_f",
        "acme.test",
    )
    assert (own["mailbox_id"], own["recipient_domain"], own["campaign_id"]) == (
        "mbx_own",
        "own.test",
        "cmp_f",
    )


def test_rows_tag_warmup_mail_once_and_use_only_the_events_tenants_facts():
    facts = {"ten_a": {"msg_1": _facts(warmup=True)}}
    (warm, tagged) = olap.rows([_opened(), _opened(tags=["warmup"])], facts)
    assert warm["tags"] == ["warmup"] and tagged["tags"] == ["warmup"]
    (other,) = olap.rows([_opened(tenant_id="ten_b")], facts)
    assert (other["campaign_id"], other["tags"]) == (None, [])


def test_wanted_lists_each_tenants_messages_once_in_order():
    events = [_opened(), _opened(message_id="msg_2"), _opened(), _opened(tenant_id="ten_b")]
    events.append({**_opened(), "message_id": None})
    assert olap.wanted(events) == {"ten_a": ["msg_1", "msg_2"], "ten_b": ["msg_1"]}
