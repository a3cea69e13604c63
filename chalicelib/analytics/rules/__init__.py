"""Analytics rules (pure): how periods and counters are named (``periods``), which metrics
exist and how rates follow from counts (``metrics``), how counter items of each scope are
keyed (``scopes``), which provider a recipient's domain belongs to (``providers``) and what an
event adds to which item (``counting``). The period names other features read stay here."""

from chalicelib.analytics.rules.periods import (
    counted_name,
    counter_attribute,
    counter_names,
    day_period,
    mailbox_day_period,
    month_period,
)

__all__ = [
    "counted_name",
    "counter_attribute",
    "counter_names",
    "day_period",
    "mailbox_day_period",
    "month_period",
]
