"""Campaigns: multi-step outreach sequences (email, wait and condition steps) sent to enrolled
contacts across a rotation of mailboxes, inside sending windows and every mailbox's limits.
Other features and the functions may use what is listed here (loaded on first use)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.campaigns.model import Campaign, Enrolment, enrolment_id
    from chalicelib.campaigns.wiring import (
        campaign_exists,
        campaign_progress,
        erase_personal_data,
        export_personal_data,
        pause_campaign,
        ports,
        react_to_events,
        run_scheduler,
        running_campaigns,
    )
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "Campaign": "chalicelib.campaigns.model",
            "Enrolment": "chalicelib.campaigns.model",
            "enrolment_id": "chalicelib.campaigns.model",
            "campaign_exists": "chalicelib.campaigns.wiring",
            "campaign_progress": "chalicelib.campaigns.wiring",
            "erase_personal_data": "chalicelib.campaigns.wiring",
            "export_personal_data": "chalicelib.campaigns.wiring",
            "pause_campaign": "chalicelib.campaigns.wiring",
            "ports": "chalicelib.campaigns.wiring",
            "running_campaigns": "chalicelib.campaigns.wiring",
            "react_to_events": "chalicelib.campaigns.wiring",
            "run_scheduler": "chalicelib.campaigns.wiring",
        },
    )

__all__ = [
    "Campaign",
    "Enrolment",
    "campaign_exists",
    "campaign_progress",
    "enrolment_id",
    "erase_personal_data",
    "export_personal_data",
    "pause_campaign",
    "ports",
    "react_to_events",
    "run_scheduler",
    "running_campaigns",
]
