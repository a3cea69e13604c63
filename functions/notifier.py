"""Notifier (SQS): sends queued notifications to tenants through the platform relay.

Partial batch failures: a record that fails is reported alone and comes back after the
visibility timeout; after ``maxReceiveCount`` receives SQS moves it to the DLQ. Each
notification id is claimed first (``accounts.deliver_notification``), so a redelivered
record that was already sent is skipped instead of mailed twice.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import accounts
from functions._runtime import count, invocation, sqs_partial_batch

if TYPE_CHECKING:
    from collections.abc import Mapping


def send_one(record: Any) -> None:
    sent = accounts.deliver_notification(json.loads(record.body))
    count("NotificationsSent" if sent else "NotificationDuplicatesSkipped")


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    with invocation("notifier", context):
        return sqs_partial_batch(event, context, send_one)
