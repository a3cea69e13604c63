"""Health monitor (schedule, every 15 minutes; every 5 s on the local platform): evaluates
every mailbox and domain of every tenant with mailboxes, and every running campaign, raising
alerts once per scope, kind and day and acting on them (pause, throttle) — the health
feature's ``run_monitor``. An event whose ``detail`` names a ``tenant_id`` looks at that
tenant only (an operator's re-run, or a test's)."""

from __future__ import annotations

from typing import Any

from chalicelib import health
from functions._runtime import count, invocation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("health_monitor", context) as log:
        detail = event.get("detail") if isinstance(event, dict) else None
        tenant_id = detail.get("tenant_id") if isinstance(detail, dict) else None
        report = health.run_monitor(tenant_id if isinstance(tenant_id, str) else None)
        count("HealthAlertsRaised", report["raised"])
        log.info("health monitored", extra=report)
        return report
