"""A report kind and its checked filters → one Athena SQL statement, built from sqlglot
expressions (never by formatting text): every value is a bound string literal, and every
statement constrains ``tenant_id`` to the caller and ``day`` to the asked range, which is
what lets Athena read only that tenant's partitions of those days. Warm-up mail
(``'warmup'`` among an event's tags, tags possibly NULL) is never counted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from chalicelib.analytics.reports.filters import check_tenant
from chalicelib.analytics.reports.kinds import KINDS, MEASURES, ROW_LIMIT

if TYPE_CHECKING:
    from chalicelib.analytics.reports.filters import ReportFilters
    from chalicelib.analytics.reports.kinds import ReportKind

TABLE = "events"
DIALECT = "athena"


def _literal(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def scope(tenant_id: str, filters: ReportFilters) -> list[exp.Condition]:
    """The conditions every report has: its tenant, its days, no warm-up, its id filters."""
    warmup = exp.func("CONTAINS", exp.column("tags"), _literal("warmup"))
    conditions: list[exp.Condition] = [
        exp.column("tenant_id").eq(_literal(check_tenant(tenant_id))),
        exp.column("day").between(_literal(filters.first), _literal(filters.last)),
        exp.not_(exp.func("COALESCE", warmup, exp.false())),
    ]
    conditions += [exp.column(name).eq(_literal(v)) for name, v in filters.ids().items()]
    return conditions


def _select(kind: ReportKind, table: exp.Table, conditions: list[exp.Condition]) -> exp.Select:
    columns: list[exp.Expr] = [exp.column(c) for c in kind.group_by]
    columns += [exp.alias_(MEASURES[m](), m) for m in kind.measures]
    order = [exp.Ordered(this=exp.column(c), desc=desc) for c, desc in kind.order_by]
    query = exp.select(*columns).from_(table).where(exp.and_(*conditions))
    return query.group_by(*kind.group_by).order_by(*order).limit(ROW_LIMIT)


def build_sql(
    kind: str,
    tenant_id: str,
    filters: ReportFilters,
    database: str | None = None,
    table: str = TABLE,
) -> str:
    """The statement for report ``kind`` (one of ``KINDS``) of ``tenant_id``; ``database``
    qualifies the table when the engine's default database is not the analytics one."""
    report = KINDS[kind]
    source = exp.table_(table, db=database)
    query = _select(report, source, [*scope(tenant_id, filters), *report.only])
    return query.sql(dialect=DIALECT, pretty=True)
