"""Bounce-window sweeper (schedule, every 15 minutes): messages ``sent`` 72 hours ago with
no bounce become ``delivered`` (the sending feature's ``deliver_due``; it reads only the
sparse index of sent messages by the hour they come due, from where the last run stopped).
"""

from __future__ import annotations

from typing import Any

from chalicelib import sending
from functions._runtime import count, invocation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("delivery_sweeper", context) as log:
        delivered = sending.deliver_due(sending.delivered_ports())
        count("MessagesDelivered", delivered)
        log.info("bounce windows closed", extra={"delivered": delivered})
        return {"delivered": delivered}
