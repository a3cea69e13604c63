"""Analytics: the real-time counters every event moves (per tenant, month, day and mailbox),
counted exactly once per event. Other features read counters by period through what is
listed here; the event consumer counts through ``count_batch`` and ``count_one``."""

from chalicelib.analytics.ports import CounterStore, EngagementWrites
from chalicelib.analytics.rules import mailbox_day_period, month_period
from chalicelib.analytics.service import count_batch, count_one
from chalicelib.analytics.wiring import counters, counting_store

__all__ = [
    "CounterStore",
    "EngagementWrites",
    "count_batch",
    "count_one",
    "counters",
    "counting_store",
    "mailbox_day_period",
    "month_period",
]
