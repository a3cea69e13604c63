"""Inbound worker (SQS ``inbound``): each record names one mailbox; its new mail is read
(IMAP, or the local platform's inbox store), kept in S3, classified and acted on by
``domain.inbound_service``. A mailbox that cannot be read fails only its own record."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import deps
from functions._runtime import count, invocation, sqs_partial_batch


def poll_one(record: Any) -> None:
    from chalicelib.domain.inbound_service import process
    from chalicelib.domain.tenants import TenantContext

    try:
        job = json.loads(record.body)
        tenant_id, mailbox_id = str(job["tenant_id"]), str(job["mailbox_id"])
    except (ValueError, TypeError, KeyError):
        count("MalformedInboundJobs")
        return
    ctx = TenantContext(tenant_id=tenant_id, key_id="worker", scope="full", plan="")
    mailbox = deps.mailboxes().get(ctx, mailbox_id)
    if mailbox is None:
        return
    source = deps.inbox_source(mailbox)
    if source is None:
        return
    handled = process(deps.inbound_ports(), mailbox, source, deps.inbox_state())
    count("InboundMessages", handled)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("inbound_worker", context):
        return sqs_partial_batch(event, context, poll_one)
