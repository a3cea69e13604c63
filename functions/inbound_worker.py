"""Inbound worker (SQS ``inbound``): each record names one mailbox; its new mail is read
(IMAP, or the local platform's inbox store), kept in S3, classified and acted on by the
inbound feature. A mailbox that cannot be read fails only its own record."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib import inbound, mailboxes
from chalicelib.core.tenancy import system_context
from functions._runtime import count, invocation, sqs_partial_batch

if TYPE_CHECKING:
    from collections.abc import Mapping


def poll_one(record: Any) -> None:
    try:
        job = json.loads(record.body)
        tenant_id, mailbox_id = str(job["tenant_id"]), str(job["mailbox_id"])
    except (ValueError, TypeError, KeyError):
        count("MalformedInboundJobs")
        return
    mailbox = mailboxes.mailbox_store().get(system_context(tenant_id), mailbox_id)
    if mailbox is None:
        return
    source = inbound.inbox_sources()(mailbox)
    if source is None:
        return
    handled = inbound.process(inbound.inbound_ports(), mailbox, source, inbound.inbox_state())
    count("InboundMessages", handled)


def handler(event: dict[str, Any], context: Any) -> Mapping[str, object]:
    with invocation("inbound_worker", context):
        return sqs_partial_batch(event, context, poll_one)
