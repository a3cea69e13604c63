"""Campaign scheduler (schedule, every minute; every 2 s on the local platform): starts
scheduled campaigns whose time has come, sends every running campaign's due steps within
windows and limits, and completes campaigns whose enrolments have all finished (the
campaigns feature's ``run_scheduler``)."""

from __future__ import annotations

from typing import Any

from chalicelib import campaigns
from functions._runtime import count, invocation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("campaign_scheduler", context) as log:
        report = campaigns.run_scheduler()
        count("CampaignEmailsQueued", report["queued"])
        log.info("campaigns scheduled", extra=report)
        return report
