"""Analytics: the real-time counters every event moves (per tenant, month, day and mailbox),
counted exactly once per event. Other features read counters by period through what is
listed here; the event consumer counts through ``count_batch`` and ``count_one``."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.analytics.ports import AnalyticsReads, CounterStore, EngagementWrites
    from chalicelib.analytics.rules import mailbox_day_period, month_period
    from chalicelib.analytics.service import count_batch, count_one
    from chalicelib.analytics.wiring import counters, counting_store
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "AnalyticsReads": "chalicelib.analytics.ports",
            "CounterStore": "chalicelib.analytics.ports",
            "EngagementWrites": "chalicelib.analytics.ports",
            "mailbox_day_period": "chalicelib.analytics.rules",
            "month_period": "chalicelib.analytics.rules",
            "count_batch": "chalicelib.analytics.service",
            "count_one": "chalicelib.analytics.service",
            "counters": "chalicelib.analytics.wiring",
            "counting_store": "chalicelib.analytics.wiring",
        },
    )

__all__ = [
    "AnalyticsReads",
    "CounterStore",
    "EngagementWrites",
    "count_batch",
    "count_one",
    "counters",
    "counting_store",
    "mailbox_day_period",
    "month_period",
]
