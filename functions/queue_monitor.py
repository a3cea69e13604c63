"""Queue monitor (schedule, every 5 minutes): reports the depth of every queue and
dead-letter queue the template declares.

The queues are ``core.resources.queues()`` (the one resource mapping, held to the template
by a test), so a new queue is monitored once it has its output and source. Each queue gets
one EMF record with a ``Queue`` dimension: ``QueueDepth`` (source queues) or
``DeadLetterDepth`` and ``OldestMessageAge`` (seconds, from a sample; dead-letter queues
only: sampling is a receive, which would spend a source queue's ``maxReceiveCount``; a
source queue's age is AWS/SQS ``ApproximateAgeOfOldestMessage``). A warning names every
dead-letter queue that holds messages; the CloudWatch alarms hang off AWS/SQS's own depth.
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.aws import clients, powertools, sqs
from chalicelib.core.settings import settings
from functions._runtime import invocation


def measure(url: str, dead_letter: bool, now: float) -> dict[str, int]:
    """The figures of one queue, as published."""
    client = clients.sqs()
    depth = sqs.depth(client, url)
    if not dead_letter:
        return {"QueueDepth": depth}
    return {"DeadLetterDepth": depth, "OldestMessageAge": sqs.oldest_age(client, url, now)}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("queue_monitor", context) as log:
        depths, ages = {}, {}
        for ref, url in settings().queue_urls().items():
            figures = measure(url, ref.is_dead_letter, time.time())
            powertools.count_by({"Queue": ref.name}, figures, {"OldestMessageAge": "Seconds"})
            depths[ref.name] = figures.get("QueueDepth", figures.get("DeadLetterDepth", 0))
            if ref.is_dead_letter:
                ages[ref.name] = figures["OldestMessageAge"]
                if depths[ref.name]:
                    log.warning(
                        "dead-letter queue holds messages",
                        extra={"queue": ref.name, "depth": depths[ref.name]},
                    )
        return {"depths": depths, "oldest_age_seconds": ages}
