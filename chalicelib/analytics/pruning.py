"""Which partitions of the OLAP table one SQL text reads: for every reference to the
``events`` table, the tenants its ``WHERE`` pins (``tenant_id = '…'`` or ``IN (…)``) and
the days it admits (``day = / IN / BETWEEN / >= / > / <= / <`` against text literals).

Both query adapters ask this before running anything: a reference to ``events`` whose
``WHERE`` does not pin the tenant is refused (``MissingTenantPredicate``), so no query ever
reads more than the tenants it names. The DuckDB adapter also reads only the partition files
the predicates admit. Only conjuncts (``AND``) count: a predicate under ``OR`` or ``NOT``
narrows nothing. sqlglot is imported when a query is analysed, never at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.analytics.olap import TABLE

if TYPE_CHECKING:
    from collections.abc import Iterator

_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "="}


class MissingTenantPredicate(ValueError):
    """The SQL reads the events table without ``tenant_id = '<tenant>'``."""


@dataclass(frozen=True)
class DayRange:
    """What the day predicates admit: each bound is ``(op, day)``; ``days`` an exact set."""

    bounds: tuple[tuple[str, str], ...] = ()
    days: frozenset[str] | None = None

    def admits(self, day: str) -> bool:
        if self.days is not None and day not in self.days:
            return False
        return all(_holds(day, op, value) for op, value in self.bounds)

    def lowest(self) -> str | None:
        """The lowest day admitted by a lower bound or the exact set (listing starts there)."""
        lows = [v for op, v in self.bounds if op in (">=", ">")]
        if self.days:
            lows.append(min(self.days))
        return max(lows) if lows else None

    def highest(self) -> str | None:
        """The highest day admitted (listing stops after it)."""
        highs = [v for op, v in self.bounds if op in ("<=", "<")]
        if self.days:
            highs.append(max(self.days))
        return min(highs) if highs else None


@dataclass(frozen=True)
class Scan:
    """One reference to the events table (``table``: its sqlglot node) and its partitions."""

    table: Any
    tenants: frozenset[str]
    days: DayRange


def _holds(day: str, op: str, value: str) -> bool:
    return {
        "=": day == value,
        ">=": day >= value,
        ">": day > value,
        "<=": day <= value,
        "<": day < value,
    }[op]


def parse(sql: str) -> Any:
    """The sqlglot tree of an Athena SQL text."""
    import sqlglot

    return sqlglot.parse_one(sql, read="athena")


def scans(tree: Any) -> list[Scan]:
    """Every read of the events table in ``tree`` with the partitions it admits; refuses a
    read that does not pin the tenant, and a query that reads no events table at all."""
    found = []
    for table in _event_tables(tree):
        tenants, days = _predicates(table)
        if tenants is None:
            raise MissingTenantPredicate(
                f"every read of {TABLE} must hold tenant_id = '<tenant>' in its WHERE"
            )
        found.append(Scan(table, tenants, days))
    if not found:
        raise MissingTenantPredicate(f"the query reads no {TABLE} table")
    return found


def _event_tables(tree: Any) -> Iterator[Any]:
    from sqlglot import exp

    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.name.lower() == TABLE and not (not table.db and table.name.lower() in ctes):
            yield table


def _predicates(table: Any) -> tuple[frozenset[str] | None, DayRange]:
    """The tenants (None: unpinned) and days the ``WHERE`` of ``table``'s SELECT admits."""
    from sqlglot import exp

    select = table.find_ancestor(exp.Select)
    where = select.args.get("where") if select is not None else None
    names = {"", table.alias_or_name.lower(), table.name.lower()}
    tenants: frozenset[str] | None = None
    bounds: list[tuple[str, str]] = []
    days: frozenset[str] | None = None
    for column, op, values in _comparisons(where.this if where is not None else None, names):
        if column == "tenant_id" and op == "=":
            tenants = values if tenants is None else tenants & values
        elif column == "day" and op == "=":
            days = values if days is None else days & values
        elif column == "day":
            bounds.extend((op, v) for v in values)
    return tenants, DayRange(tuple(bounds), days)


def _comparisons(condition: Any, names: set[str]) -> Iterator[tuple[str, str, frozenset[str]]]:
    """``(column, op, literal values)`` for each conjunct comparing a column of the table
    with text literals; ``IN`` and ``=`` are both ``=``, ``BETWEEN`` two bounds."""
    from sqlglot import exp

    for part in _conjuncts(condition):
        if isinstance(part, exp.In):
            column, values = _column(part.this, names), _literals(part.expressions)
            if column and values is not None and not part.args.get("query"):
                yield column, "=", values
        elif isinstance(part, exp.Between):
            column = _column(part.this, names)
            low, high = _literals([part.args["low"]]), _literals([part.args["high"]])
            if column and low is not None and high is not None:
                yield column, ">=", low
                yield column, "<=", high
        elif isinstance(part, exp.EQ | exp.GTE | exp.GT | exp.LTE | exp.LT):
            yield from _binary(part, names)


def _binary(part: Any, names: set[str]) -> Iterator[tuple[str, str, frozenset[str]]]:
    from sqlglot import exp

    op = {exp.EQ: "=", exp.GTE: ">=", exp.GT: ">", exp.LTE: "<=", exp.LT: "<"}[type(part)]
    left, right = part.this, part.expression
    if _column(right, names) and not _column(left, names):
        left, right, op = right, left, _FLIP[op]
    column, values = _column(left, names), _literals([right])
    if column and values is not None:
        yield column, op, values


def _conjuncts(condition: Any) -> list[Any]:
    from sqlglot import exp

    if condition is None:
        return []
    condition = condition.unnest()
    if isinstance(condition, exp.And):
        return [c for side in (condition.left, condition.right) for c in _conjuncts(side)]
    return [condition]


def _column(node: Any, names: set[str]) -> str | None:
    from sqlglot import exp

    node = node.unnest()
    if isinstance(node, exp.Column) and node.table.lower() in names:
        return str(node.name).lower()
    return None


def _literals(nodes: list[Any]) -> frozenset[str] | None:
    from sqlglot import exp

    values = [n.unnest() for n in nodes]
    if not values or not all(isinstance(v, exp.Literal) and v.is_string for v in values):
        return None
    return frozenset(str(v.this) for v in values)
