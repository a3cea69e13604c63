"""Send worker (SQS ``send-priority`` and ``send-bulk``): every record is one message id.

Powertools' ``AsyncBatchProcessor`` runs the batch's records concurrently and reports
partial batch failures; each mailbox gets one ``MailboxSender`` for the invocation, whose
connections are reused across the batch and bounded per mailbox. The send path itself
(guards, claim, build, send, record, retries) is the sending feature's. A record that is
not a send job can never become one: it is logged, counted and dropped.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import sending
from functions._runtime import count, invocation

if TYPE_CHECKING:
    from collections.abc import Mapping


def parse_job(body: str) -> tuple[str, str] | None:
    try:
        job = json.loads(body)
    except (ValueError, TypeError):
        return None
    if not isinstance(job, dict):
        return None
    tenant_id, message_id = job.get("tenant_id"), job.get("message_id")
    if not isinstance(tenant_id, str) or not isinstance(message_id, str):
        return None
    return tenant_id, message_id


def queue_of(event: dict[str, Any]) -> str:
    records = event.get("Records") or [{}]
    return "bulk" if "send-bulk" in str(records[0].get("eventSourceARN", "")) else "priority"


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    from aws_lambda_powertools.utilities.batch import (
        AsyncBatchProcessor,
        EventType,
        async_process_partial_response,
    )

    with invocation("send_worker", context) as log:
        batch = sending.SendBatch(sending.send_ports(), queue_of(event))
        records = event.get("Records") or []
        jobs = [j for j in (parse_job(r.get("body", "")) for r in records) if j]
        batch.prepare(jobs)
        left = {"records": len(records)}

        async def send_record(record: Any) -> None:
            try:
                job = parse_job(record.body)
                if job is None:
                    log.warning("dropped a record that is not a send job")
                    count("MalformedSendJobs")
                    return
                count("SendOutcome_" + await batch.process(*job))
            finally:
                left["records"] -= 1
                if left["records"] == 0:
                    await batch.close()

        processor = AsyncBatchProcessor(
            event_type=EventType.SQS, raise_on_entire_batch_failure=False
        )
        return async_process_partial_response(
            event=event, record_handler=send_record, processor=processor, context=context
        )
