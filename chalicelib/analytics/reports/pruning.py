"""Proof that a statement prunes to one tenant's partitions and a range of days, read from
the SQL itself (parsed with sqlglot), not from how it was built.

Every SELECT that reads the events table must have, among the top-level AND terms of its
WHERE, ``tenant_id = '<literal>'`` (or ``IN`` literals) and ``day BETWEEN '<a>' AND '<b>'``
(or ``day >= '<a>'`` and ``day <= '<b>'``, or ``day = '<d>'``). Terms under an OR or a NOT
prove nothing (an OR could widen them), so they are not read. A statement where any reading
of the table lacks either bound is refused (``Unpruned``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from chalicelib.analytics.reports.sql import DIALECT, TABLE

if TYPE_CHECKING:
    from collections.abc import Iterator


class Unpruned(ValueError):
    """The statement could read beyond one tenant's partitions or beyond a day range."""


def conjuncts(condition: exp.Expr) -> Iterator[exp.Expr]:
    """The top-level AND terms of a condition, parentheses removed."""
    condition = condition.unnest()
    if isinstance(condition, exp.And):
        yield from conjuncts(condition.left)
        yield from conjuncts(condition.right)
    else:
        yield condition


def _column(node: exp.Expr, name: str, names: frozenset[str] = frozenset()) -> bool:
    """Whether ``node`` is the column ``name`` of the table read (unqualified, or qualified
    by the table's name or alias: another table's ``tenant_id`` proves nothing)."""
    node = node.unnest()
    if not isinstance(node, exp.Column) or node.name != name:
        return False
    return not node.table or node.table in names


def _string(node: exp.Expr) -> str | None:
    node = node.unnest()
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _tenants(term: exp.Expr, names: frozenset[str]) -> set[str] | None:
    if isinstance(term, exp.EQ) and _column(term.this, "tenant_id", names):
        found = _string(term.expression)
        return {found} if found is not None else None
    if isinstance(term, exp.In) and _column(term.this, "tenant_id", names) and term.expressions:
        values = [_string(v) for v in term.expressions]
        return {v for v in values if v is not None} if None not in values else None
    return None


def _days(term: exp.Expr, names: frozenset[str]) -> tuple[str | None, str | None]:
    """(lowest day, highest day) a term allows; None where it says nothing."""
    if isinstance(term, exp.Between) and _column(term.this, "day", names):
        return _string(term.args["low"]), _string(term.args["high"])
    if isinstance(term, exp.EQ) and _column(term.this, "day", names):
        day = _string(term.expression)
        return day, day
    if isinstance(term, (exp.GTE, exp.LTE)) and _column(term.this, "day", names):
        bound = _string(term.expression)
        return (bound, None) if isinstance(term, exp.GTE) else (None, bound)
    return None, None


def _reads(select: exp.Select, table: str) -> list[exp.Table]:
    """The reads of ``table`` in this SELECT's own FROM and JOINs (subqueries are SELECTs
    of their own)."""
    start = select.args.get("from_") or select.args.get("from")  # named from_ since sqlglot 26
    sources = [start, *(select.args.get("joins") or [])]
    found = [s.this for s in sources if isinstance(s, (exp.From, exp.Join))]
    return [t for t in found if isinstance(t, exp.Table) and t.name == table]


def _bounds(select: exp.Select, read: exp.Table) -> tuple[set[str], str, str]:
    names = frozenset({read.name, read.alias_or_name})
    where = select.args.get("where")
    terms = list(conjuncts(where.this)) if where is not None else []
    tenants: set[str] | None = None
    first = last = None
    for term in terms:
        found = _tenants(term, names)
        if found is not None:
            tenants = found if tenants is None else tenants & found
        low, high = _days(term, names)
        first = max(first, low) if first and low else first or low
        last = min(last, high) if last and high else last or high
    if tenants is None:
        raise Unpruned(f"a read of the events table has no tenant_id predicate: {select.sql()}")
    if first is None or last is None:
        raise Unpruned(f"a read of the events table has no day range: {select.sql()}")
    return tenants, first, last


def _checked(select: exp.Select, table: str) -> tuple[set[str], str, str] | None:
    reads = _reads(select, table)
    if len(reads) > 1:
        raise Unpruned(f"one SELECT reads {table} twice; its predicates prove one read only")
    return _bounds(select, reads[0]) if reads else None


def predicates(sql: str, table: str = TABLE) -> tuple[set[str], str, str]:
    """The tenant ids and the (first, last) days every read of ``table`` in ``sql`` is held
    to (over several reads: their union and the widest range); ``Unpruned`` if any read
    lacks them, or if nothing reads the table."""
    try:
        statements = sqlglot.parse(sql, read=DIALECT)
    except sqlglot.errors.ParseError as exc:
        raise Unpruned(f"not a statement sqlglot can read: {exc}") from exc
    selects = [s for statement in statements if statement for s in statement.find_all(exp.Select)]
    bounds = [b for b in (_checked(select, table) for select in selects) if b is not None]
    if not bounds:
        raise Unpruned(f"the statement reads no {table} table")
    tenants = set().union(*(b[0] for b in bounds))
    return tenants, min(b[1] for b in bounds), max(b[2] for b in bounds)
