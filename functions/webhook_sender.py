"""Webhook sender (SQS FIFO ``webhook-deliveries``): each record is one delivery, sent by the
webhooks feature's ``deliver``. A delivery to retry (after a failure, or over its endpoint's
rate) gets its wait as the message's visibility timeout and is reported as a batch item
failure, so SQS gives it back then; the FIFO queue holds the later events of the same group
(endpoint and message) behind it, so they still arrive in order (Powertools' FIFO processor
skips the rest of a failed group in the batch). A record that is not a delivery is logged,
counted and dropped."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import webhooks
from chalicelib.aws import clients, powertools
from chalicelib.core.settings import settings
from functions._runtime import count, invocation

if TYPE_CHECKING:
    from collections.abc import Mapping

REQUIRED = ("tenant_id", "endpoint_id", "delivery_id", "event")


class RetryLater(Exception):
    """The record comes back after the visibility timeout just set."""


def parse_delivery(body: str) -> dict[str, Any] | None:
    try:
        message = json.loads(body)
    except (ValueError, TypeError):
        return None
    if not isinstance(message, dict) or any(k not in message for k in REQUIRED):
        return None
    return message if isinstance(message["event"], dict) else None


def send_one(record: Any) -> None:
    message = parse_delivery(record.body)
    if message is None:
        powertools.logger().warning("dropped a record that is not a webhook delivery")
        count("WebhookDeliveries_malformed")
        return
    outcome = webhooks.deliver(message)
    count("WebhookDeliveries_" + outcome.status)
    if outcome.retry_in is not None:
        clients.sqs().change_message_visibility(
            QueueUrl=settings().webhook_deliveries_queue_url,
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=min(outcome.retry_in, 43_200),
        )
        raise RetryLater(outcome.status)


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    from aws_lambda_powertools.utilities.batch import (
        SqsFifoPartialProcessor,
        process_partial_response,
    )

    with invocation("webhook_sender", context):
        processor = SqsFifoPartialProcessor(skip_group_on_error=True)
        # a batch whose every delivery waits is a partial failure, not an error
        processor.raise_on_entire_batch_failure = False
        return process_partial_response(
            event=event, record_handler=send_one, processor=processor, context=context
        )
