"""Warm-up: a mailbox's ramp from its plan's start volume to its peak, gated each day by
its bounce, complaint and deferral rates; its record, routes and decisions. Other
features may use what is listed here."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.warmup.rules import PLAN_NAMES, DayStats, Decision, decide, spread, volume
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "PLAN_NAMES": "chalicelib.warmup.rules",
            "DayStats": "chalicelib.warmup.rules",
            "Decision": "chalicelib.warmup.rules",
            "decide": "chalicelib.warmup.rules",
            "spread": "chalicelib.warmup.rules",
            "volume": "chalicelib.warmup.rules",
        },
    )

__all__ = ["PLAN_NAMES", "DayStats", "Decision", "decide", "spread", "volume"]
