"""Inbound fan-out (schedule): one SQS job per mailbox, read from the sparse ``by_poll``
index shard by shard (never a scan), so each mailbox is polled by its own worker run and a
slow IMAP server holds up nobody else."""

from __future__ import annotations

from typing import Any

from chalicelib import inbound, mailboxes
from functions._runtime import count, invocation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("inbound_poller", context):
        store = mailboxes.mailbox_store()
        jobs = [
            (tenant_id, mailbox_id, 0)
            for shard in range(mailboxes.POLL_SHARDS)
            for tenant_id, mailbox_id in store.to_poll(f"p{shard}")
        ]
        inbound.queue().enqueue_many("inbound", jobs, key="mailbox_id")
        count("MailboxesQueuedForPolling", len(jobs))
        return {"queued": len(jobs)}
