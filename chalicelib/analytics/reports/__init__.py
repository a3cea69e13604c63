"""Reports over the OLAP tier, pure: the fixed set of report kinds, their checked filters,
the Athena SQL each builds (sqlglot expressions, the tenant and day predicates always
added by us) and ``predicates``, which reads a statement back and proves what it prunes
to. No SDK here: the jobs' store, worker service and routes are the analytics feature's
``report_*`` modules. sqlglot is imported on first use (it costs ~0.3 s)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.analytics.reports.filters import ReportFilters, parse_filters
    from chalicelib.analytics.reports.kinds import KINDS, ReportKind
    from chalicelib.analytics.reports.pruning import Unpruned, predicates
    from chalicelib.analytics.reports.sql import build_sql
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "ReportFilters": "chalicelib.analytics.reports.filters",
            "parse_filters": "chalicelib.analytics.reports.filters",
            "KINDS": "chalicelib.analytics.reports.kinds",
            "ReportKind": "chalicelib.analytics.reports.kinds",
            "Unpruned": "chalicelib.analytics.reports.pruning",
            "predicates": "chalicelib.analytics.reports.pruning",
            "build_sql": "chalicelib.analytics.reports.sql",
        },
    )

__all__ = [
    "KINDS",
    "ReportFilters",
    "ReportKind",
    "Unpruned",
    "build_sql",
    "parse_filters",
    "predicates",
]
