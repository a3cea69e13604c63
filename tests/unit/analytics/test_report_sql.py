"""Report kinds → SQL: every kind's statement is held to its tenant and its days (read back
from the SQL by ``predicates``), warm-up mail is never counted, filter values are literals
(hostile ones refused before, and harmless even if they got through), and ``predicates``
refuses statements that could read wider."""

from __future__ import annotations

import pytest

from chalicelib.analytics.reports import KINDS, Unpruned, build_sql, parse_filters, predicates
from chalicelib.analytics.reports.filters import ReportFilters
from chalicelib.analytics.reports.jobs import KIND_NAMES
from chalicelib.core.errors import UnprocessableEntity

TENANT = "ten_" + "a" * 20
OTHER = "ten_" + "b" * 20
CAMPAIGN = "cmp_" + "c" * 22
MAILBOX = "mbx_" + "d" * 20
DOMAIN = "dom_" + "e" * 20
RANGE = {"from": "2026-01-01", "to": "2026-01-30"}
HOSTILE = [
    "x' OR '1'='1",
    f"{CAMPAIGN}' OR tenant_id = '{OTHER}",
    f"{CAMPAIGN}'; DROP TABLE events; --",
    "cmp_aaaaaaaaaaaa' OR 1=1 --",
    "cmp_" + "a" * 12 + "\n",
    "CMP_" + "A" * 20,
    "",
]


def test_the_kinds_named_for_requests_are_the_kinds_that_build_sql():
    assert tuple(KINDS) == KIND_NAMES


@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize(
    "ids",
    [{}, {"campaign_id": CAMPAIGN}, {"mailbox_id": MAILBOX, "domain_id": DOMAIN}],
    ids=["unfiltered", "campaign", "mailbox+domain"],
)
def test_every_kind_prunes_to_its_tenant_and_days(kind, ids):
    sql = build_sql(kind, TENANT, parse_filters({**RANGE, **ids}))
    assert predicates(sql) == ({TENANT}, "2026-01-01", "2026-01-30")
    for value in ids.values():
        assert f"= '{value}'" in sql


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_leaves_warmup_mail_out_even_with_null_tags(kind):
    sql = build_sql(kind, TENANT, parse_filters(RANGE))
    assert "NOT COALESCE(CONTAINS(tags, 'warmup'), FALSE)" in sql


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_a_qualified_table_prunes_the_same(kind):
    sql = build_sql(kind, TENANT, parse_filters(RANGE), database="penguinmails_dev_analytics")
    assert "FROM penguinmails_dev_analytics.events" in sql
    assert predicates(sql) == ({TENANT}, "2026-01-01", "2026-01-30")


@pytest.mark.parametrize("field", ["campaign_id", "mailbox_id", "domain_id"])
@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_id_filter_is_refused_naming_its_field(field, value):
    with pytest.raises(UnprocessableEntity) as refused:
        parse_filters({**RANGE, field: value})
    assert refused.value.details == {"field": f"filters.{field}"}


@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_that_got_through_stays_a_literal(kind, value):
    # the filters are checked first; even unchecked, a value is one bound string literal
    unchecked = ReportFilters("2026-01-01", "2026-01-30", campaign_id=value, mailbox_id=value)
    sql = build_sql(kind, TENANT, unchecked)
    assert predicates(sql) == ({TENANT}, "2026-01-01", "2026-01-30")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"to": "2026-01-30"}, "from"),
        ({"from": "2026-01-01"}, "to"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-02-05"}, "to"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "2026-01-01' OR '1'='1", "to": "2026-01-02"}, "from"),
        ({**RANGE, "tenant_id": OTHER}, "tenant_id"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(raw, field):
    with pytest.raises(UnprocessableEntity) as refused:
        parse_filters(raw)
    assert refused.value.details == {"field": f"filters.{field}"}


def test_400_days_is_the_longest_range():
    assert parse_filters({"from": "2025-01-01", "to": "2026-02-04"}).last == "2026-02-04"


def test_a_tenant_that_is_not_an_id_never_becomes_a_predicate():
    with pytest.raises(ValueError, match="not a tenant id"):
        build_sql("daily_summary", "ten_x' OR '1'='1", parse_filters(RANGE))


WIDER = [
    "SELECT * FROM events WHERE tenant_id = 'a' OR day BETWEEN '2026-01-01' AND '2026-01-02'",
    "SELECT * FROM events WHERE (tenant_id = 'a' OR 1 = 1) AND day = '2026-01-01'",
    "SELECT * FROM events WHERE NOT tenant_id = 'a' AND day = '2026-01-01'",
    "SELECT * FROM events WHERE tenant_id = 'a' AND day >= '2026-01-01'",
    "SELECT * FROM events WHERE tenant_id = 'a' AND (day = '2026-01-01' OR 1 = 1)",
    "SELECT * FROM events WHERE tenant_id = other_column AND day = '2026-01-01'",
    "WITH x AS (SELECT * FROM events) SELECT * FROM x WHERE tenant_id = 'a' AND day = '2026-01-01'",
    "SELECT * FROM events e JOIN events f ON e.id = f.id "
    "WHERE tenant_id = 'a' AND day = '2026-01-01'",
    "SELECT * FROM events e JOIN t ON 1 = 1 WHERE t.tenant_id = 'a' AND e.day = '2026-01-01'",
    "SELECT * FROM events WHERE tenant_id = 'a' AND day = '2026-01-01' "
    "UNION ALL SELECT * FROM events",
    "SELECT 1",
    "this is not sql at all (",
]


@pytest.mark.parametrize("sql", WIDER)
def test_a_statement_that_could_read_wider_is_refused(sql):
    with pytest.raises(Unpruned):
        predicates(sql)


def test_predicates_read_every_form_of_the_bounds():
    sql = (
        "SELECT * FROM db.events AS e WHERE e.tenant_id IN ('a', 'b') AND day >= '2026-01-01' "
        "AND day <= '2026-02-01' AND (type = 'x' OR type = 'y') "
        "UNION ALL SELECT * FROM events WHERE tenant_id = 'c' AND day = '2026-03-01'"
    )
    assert predicates(sql) == ({"a", "b", "c"}, "2026-01-01", "2026-03-01")
