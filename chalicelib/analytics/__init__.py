"""Analytics: the real-time counters every event moves (per tenant, month, day and mailbox,
and the analytics metrics per tenant, campaign, mailbox, domain and recipient provider),
counted exactly once per event, and their reads; the OLAP tier's queries and the reports
over it (report jobs run by the ``analytics-reports`` worker through ``run_report``). Other
features read counters by period and the metrics through what is listed here; the event
consumer counts through ``count_batch`` and ``count_one`` with the message facts the sending
feature gives (``Sources``); the OLAP tier's writers turn events into rows enriched the same
way through ``olap_rows``; ``app.py`` registers who owns the records a route or a report
filter names."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.analytics import olap
    from chalicelib.analytics.ports import (
        AnalyticsQueries,
        AnalyticsReads,
        CounterStore,
        EngagementChanged,
        EngagementWrites,
        MessageFactsSource,
        ProviderResolver,
        QueryResult,
    )
    from chalicelib.analytics.report_owners import register_record_owner
    from chalicelib.analytics.report_service import run as run_report
    from chalicelib.analytics.rules import mailbox_day_period, month_period
    from chalicelib.analytics.rules.counting import MessageFacts
    from chalicelib.analytics.rules.metrics import COUNT_METRICS, RATE_METRICS, rates
    from chalicelib.analytics.service import Sources, count_batch, count_one
    from chalicelib.analytics.service.olap_rows import olap_rows
    from chalicelib.analytics.service.owners import register_owner
    from chalicelib.analytics.wiring import (
        counters,
        counting_store,
        providers,
        queries,
        reads,
        report_ports,
        tenant_overview,
    )
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
            "EngagementChanged": "chalicelib.analytics.ports",
            "EngagementWrites": "chalicelib.analytics.ports",
            "MessageFactsSource": "chalicelib.analytics.ports",
            "ProviderResolver": "chalicelib.analytics.ports",
            "mailbox_day_period": "chalicelib.analytics.rules",
            "month_period": "chalicelib.analytics.rules",
            "MessageFacts": "chalicelib.analytics.rules.counting",
            "COUNT_METRICS": "chalicelib.analytics.rules.metrics",
            "RATE_METRICS": "chalicelib.analytics.rules.metrics",
            "rates": "chalicelib.analytics.rules.metrics",
            "Sources": "chalicelib.analytics.service",
            "count_batch": "chalicelib.analytics.service",
            "count_one": "chalicelib.analytics.service",
            "register_owner": "chalicelib.analytics.service.owners",
            "olap_rows": "chalicelib.analytics.service.olap_rows",
            "counters": "chalicelib.analytics.wiring",
            "counting_store": "chalicelib.analytics.wiring",
            "queries": "chalicelib.analytics.wiring",
            "providers": "chalicelib.analytics.wiring",
            "reads": "chalicelib.analytics.wiring",
            "tenant_overview": "chalicelib.analytics.wiring",
        },
    )

__all__ = [
    "COUNT_METRICS",
    "RATE_METRICS",
    "AnalyticsQueries",
    "AnalyticsReads",
    "CounterStore",
    "EngagementChanged",
    "QueryResult",
    "EngagementWrites",
    "MessageFacts",
    "MessageFactsSource",
    "ProviderResolver",
    "Sources",
    "count_batch",
    "count_one",
    "counters",
    "counting_store",
    "mailbox_day_period",
    "month_period",
    "olap",
    "olap_rows",
    "queries",
    "register_record_owner",
    "report_ports",
    "run_report",
    "providers",
    "rates",
    "reads",
    "register_owner",
    "tenant_overview",
]
