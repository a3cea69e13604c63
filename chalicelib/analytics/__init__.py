"""Analytics: the real-time counters every event moves (per tenant, month, day and mailbox),
counted exactly once per event, and reports over the OLAP tier (report jobs run by the
``analytics-reports`` worker through ``run_report``). Other features read counters by period
through what is listed here; the event consumer counts through ``count_batch`` and
``count_one``; ``app.py`` registers who owns the records a report filter names."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.analytics import olap
    from chalicelib.analytics.ports import (
        AnalyticsQueries,
        AnalyticsReads,
        CounterStore,
        EngagementWrites,
        QueryResult,
    )
    from chalicelib.analytics.report_owners import register_record_owner
    from chalicelib.analytics.report_service import run as run_report
    from chalicelib.analytics.rules import mailbox_day_period, month_period
    from chalicelib.analytics.service import count_batch, count_one
    from chalicelib.analytics.wiring import counters, counting_store, queries, report_ports
else:
    import importlib

    from chalicelib.core.lazy import exports

    _MODULES = {"olap": "chalicelib.analytics.olap"}  # offered as modules: ``analytics.olap.row``

    def __getattr__(name: str) -> object:
        if name in _MODULES:
            return importlib.import_module(_MODULES[name])
        return _names(name)

    _names = exports(
        __name__,
        {
            "AnalyticsQueries": "chalicelib.analytics.ports",
            "QueryResult": "chalicelib.analytics.ports",
            "register_record_owner": "chalicelib.analytics.report_owners",
            "run_report": "chalicelib.analytics.report_service:run",
            "report_ports": "chalicelib.analytics.wiring",
            "AnalyticsReads": "chalicelib.analytics.ports",
            "CounterStore": "chalicelib.analytics.ports",
            "EngagementWrites": "chalicelib.analytics.ports",
            "mailbox_day_period": "chalicelib.analytics.rules",
            "month_period": "chalicelib.analytics.rules",
            "count_batch": "chalicelib.analytics.service",
            "count_one": "chalicelib.analytics.service",
            "counters": "chalicelib.analytics.wiring",
            "counting_store": "chalicelib.analytics.wiring",
            "queries": "chalicelib.analytics.wiring",
        },
    )

__all__ = [
    "AnalyticsQueries",
    "AnalyticsReads",
    "CounterStore",
    "QueryResult",
    "EngagementWrites",
    "count_batch",
    "count_one",
    "counters",
    "counting_store",
    "mailbox_day_period",
    "month_period",
    "olap",
    "queries",
    "QueryResult",
    "register_record_owner",
    "report_ports",
    "run_report",
]
