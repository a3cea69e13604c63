"""Warm-up: a mailbox's ramp from its plan's start volume to its peak, gated each day by
its bounce, complaint and deferral rates; its record, routes, decisions and daily workflow
(``run_task``: the tasks of ``warmup.asl.json``) and the pool at work (``run_pool``).
Other features may use what is listed here (``start_warmup``: provisioning's new
mailboxes)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.warmup.pool_wiring import run_pool
    from chalicelib.warmup.rules import PLAN_NAMES, DayStats, Decision, decide, spread, volume
    from chalicelib.warmup.wiring import run_task, start_warmup
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
            "run_pool": "chalicelib.warmup.pool_wiring",
            "run_task": "chalicelib.warmup.wiring",
            "start_warmup": "chalicelib.warmup.wiring",
        },
    )

__all__ = [
    "PLAN_NAMES",
    "DayStats",
    "Decision",
    "decide",
    "run_pool",
    "run_task",
    "spread",
    "start_warmup",
    "volume",
]
