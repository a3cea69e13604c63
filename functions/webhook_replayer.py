"""Webhook replayer (SQS ``webhook-replays``): each record is one step of a replay job (the
webhooks feature's ``run_replay_step``: count, then send up to a few hundred past events
again with their own event ids); a step that needs a successor queues it. Each record is
handled alone (partial batch failures); a step run twice counts its page once."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import webhooks
from chalicelib.aws import powertools
from functions._runtime import count, invocation, sqs_partial_batch

if TYPE_CHECKING:
    from collections.abc import Mapping


def parse_step(body: str) -> tuple[str, str, str] | None:
    try:
        step = json.loads(body)
        return str(step["tenant_id"]), str(step["endpoint_id"]), str(step["job_id"])
    except (ValueError, TypeError, KeyError):
        return None


def run_one(record: Any) -> None:
    step = parse_step(record.body)
    if step is None:
        powertools.logger().warning("dropped a record that is not a replay step")
        count("WebhookReplaySteps_malformed")
        return
    webhooks.run_replay_step(*step)
    count("WebhookReplaySteps")


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    with invocation("webhook_replayer", context):
        return sqs_partial_batch(event, context, run_one)
