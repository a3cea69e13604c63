"""Webhook dispatcher (Kinesis, the events stream): logs each event for replays and queues one
delivery per (endpoint, event) for the tenant's enabled endpoints whose filter takes it (the
webhooks feature's ``dispatch_events``; idempotent by delivery id, so a batch run twice
queues nothing twice).

A record that is not a valid event is logged, counted and skipped; a storage or queue failure
fails the batch (Lambda retries it, bisecting), which only repeats idempotent work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib import webhooks
from chalicelib.aws import powertools
from functions._runtime import count, invocation, stream_events

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.core.events import Event


def events_of(event: dict[str, Any]) -> list[Event]:
    found = []
    for sequence, parsed in stream_events(event):
        if parsed is None:
            powertools.logger().warning("skipped a malformed event", extra={"sequence": sequence})
            count("MalformedEvents")
            continue
        found.append(parsed)
    return found


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    with invocation("webhook_dispatcher", context):
        queued = webhooks.dispatch_events(events_of(event))
        count("WebhookDeliveriesQueued", queued)
        return {"batchItemFailures": []}
