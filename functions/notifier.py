"""Notifier (SQS): sends queued notifications to tenants through the platform relay.

Partial batch failures: a record that fails is reported alone and comes back after the
visibility timeout; after ``maxReceiveCount`` receives SQS moves it to the DLQ. Each
notification id is claimed in the idempotency table first, so a redelivered record that
was already sent is skipped instead of mailed twice.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import deps
from chalicelib.settings import settings
from functions._runtime import count, invocation, sqs_partial_batch

SCOPE = "notification"


def send_one(record: Any) -> None:
    from chalicelib.domain.events import new_event
    from chalicelib.domain.notifications import build_email

    job = json.loads(record.body)
    tenant_id, notification_id = job["tenant_id"], job["notification_id"]
    claims = deps.idempotency()
    if not claims.claim(tenant_id, SCOPE, notification_id):
        count("NotificationDuplicatesSkipped")
        return
    try:
        deps.relay().send(build_email(job, settings().notify_from))
    except Exception:
        claims.release(tenant_id, SCOPE, notification_id)
        raise
    claims.complete(tenant_id, SCOPE, notification_id)
    deps.events().publish(
        new_event(
            "notification.sent",
            tenant_id,
            deps.clock().now_iso(),
            notification_id=notification_id,
            kind=job["kind"],
        )
    )
    count("NotificationsSent")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("notifier", context):
        return sqs_partial_batch(event, context, send_one)
