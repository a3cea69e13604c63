"""Queue monitor (schedule, every 5 minutes): reports queue and dead-letter depths.

Publishes ``QueueDepth``/``DeadLetterDepth`` metrics (alarms hang off them) and logs a
warning naming every dead-letter queue that holds messages.
"""

from __future__ import annotations

from typing import Any

from chalicelib.aws import clients, sqs
from chalicelib.core.settings import settings
from functions._runtime import count, invocation


def queues() -> dict[str, tuple[str, bool]]:
    s = settings()
    found = {"notifications": (s.notifications_queue_url, False)}
    if s.notifications_dlq_url:
        found["notifications-dlq"] = (s.notifications_dlq_url, True)
    return found


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("queue_monitor", context) as log:
        report = {}
        for name, (url, is_dlq) in queues().items():
            depth = sqs.depth(clients.sqs(), url)
            report[name] = depth
            count("DeadLetterDepth" if is_dlq else "QueueDepth", depth)
            if is_dlq and depth:
                log.warning(
                    "dead-letter queue holds messages", extra={"queue": name, "depth": depth}
                )
        return {"depths": report}
