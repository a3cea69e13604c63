"""Which partitions an Athena SQL text reads: the tenants its WHERE pins, the days it admits;
a read of the events table without the tenant predicate is refused."""

from __future__ import annotations

import pytest

from chalicelib.analytics.pruning import MissingTenantPredicate, parse, scans


def _one(sql: str):
    (scan,) = scans(parse(sql))
    return scan


def test_between_pins_the_tenant_and_the_days():
    scan = _one(
        "SELECT * FROM db.events WHERE tenant_id = 'ten_a' "
        "AND day BETWEEN '2026-01-02' AND '2026-01-04' AND type = 'message.sent'"
    )
    assert scan.tenants == {"ten_a"}
    assert [
        d for d in ("2026-01-01", "2026-01-02", "2026-01-04", "2026-01-05") if scan.days.admits(d)
    ] == ["2026-01-02", "2026-01-04"]
    assert (scan.days.lowest(), scan.days.highest()) == ("2026-01-02", "2026-01-04")


def test_comparisons_either_way_round_and_strict_bounds():
    scan = _one(
        "SELECT 1 FROM events e WHERE '2026-01-02' < e.day AND e.day <= '2026-01-04' "
        "AND e.tenant_id = 'ten_a'"
    )
    assert not scan.days.admits("2026-01-02")
    assert scan.days.admits("2026-01-03") and scan.days.admits("2026-01-04")


def test_in_lists_for_tenants_and_days():
    scan = _one(
        "SELECT 1 FROM events WHERE tenant_id IN ('a', 'b') AND day IN ('2026-01-01', '2026-01-03')"
    )
    assert scan.tenants == {"a", "b"}
    assert scan.days.admits("2026-01-03") and not scan.days.admits("2026-01-02")
    assert (scan.days.lowest(), scan.days.highest()) == ("2026-01-01", "2026-01-03")


def test_no_day_predicate_admits_every_day_of_the_tenant():
    scan = _one("SELECT 1 FROM events WHERE tenant_id = 'a'")
    assert scan.days.admits("1999-01-01") and scan.days.lowest() is None


def test_every_read_of_events_in_ctes_and_joins_is_checked():
    sql = (
        "WITH sent AS (SELECT message_id FROM events WHERE tenant_id = 'a' AND day = '2026-01-01') "
        "SELECT count(*) FROM sent JOIN events o ON o.message_id = sent.message_id "
        "WHERE o.tenant_id = 'a' AND o.type = 'message.opened'"
    )
    assert [s.tenants for s in scans(parse(sql))] == [{"a"}, {"a"}]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM events",
        "SELECT * FROM events WHERE day = '2026-01-01'",
        "SELECT * FROM events WHERE tenant_id = 'a' OR tenant_id = 'b'",
        "SELECT * FROM events WHERE NOT tenant_id = 'a'",
        "SELECT * FROM events WHERE tenant_id = message_id",
        "SELECT * FROM events WHERE tenant_id IN (SELECT tenant_id FROM events)",
        "SELECT * FROM (SELECT * FROM events) x WHERE x.tenant_id = 'a'",
        "SELECT * FROM other_table WHERE tenant_id = 'a'",
    ],
)
def test_a_read_without_the_tenant_pinned_is_refused(sql):
    with pytest.raises(MissingTenantPredicate):
        scans(parse(sql))


def test_a_predicate_on_another_tables_column_does_not_count():
    sql = "SELECT 1 FROM events e JOIN t ON t.id = e.message_id WHERE t.tenant_id = 'a'"
    with pytest.raises(MissingTenantPredicate):
        scans(parse(sql))
