"""Health monitor (schedule, every 15 minutes; every 5 s on the local platform): evaluates
every mailbox and domain of every tenant with mailboxes, and every running campaign, raising
alerts once per scope, kind and day and acting on them (pause, throttle) — the health
feature's ``run_monitor``."""

from __future__ import annotations

from typing import Any

from chalicelib import health
from functions._runtime import count, invocation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("health_monitor", context) as log:
        report = health.run_monitor()
        count("HealthAlertsRaised", report["raised"])
        log.info("health monitored", extra=report)
        return report
