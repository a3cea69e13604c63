"""The sending surface the campaigns feature calls, wired as deployed over moto: a campaign's
sends go to the ``send-bulk`` queue, the send worker sends them threaded, the message's reply
names the campaign, a rerun enqueues nothing new, the mailbox's capacity reads its stores,
and an erased address stays suppressed by its hash."""

from __future__ import annotations

import email
import email.policy

import boto3

from chalicelib import sending
from tests.functional.worlds import Sending, sending_world

LINK = sending.CampaignLink("cmp_aaaaaaaaaaaaaaaaaaaa", "enr_fn", "ctc_fn", 1, None)


def _bulk_jobs(world: Sending) -> list[dict]:
    """The world's tenant's jobs on the bulk queue (another test's leftovers on the shared
    emulator are drained and dropped: sent through this world's sink they would pass for its
    mail)."""
    from chalicelib.core.settings import settings

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = settings().send_bulk_queue_url
    found: list[dict] = []
    while True:
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
        batch = reply.get("Messages", [])
        if not batch:
            return found
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        found += [m for m in batch if world.tenant_id in m["Body"]]


def _deliver_bulk(jobs: list[dict]) -> dict:
    from functions.send_worker import handler

    records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:penguinmails-local-send-bulk",
            "awsRegion": "us-east-1",
        }
        for m in jobs
    ]
    return handler({"Records": records}, None)


def _send(world: Sending, step: int, **changes) -> sending.CampaignSend:
    enrolment = f"enr_{world.tenant_id[4:]}"
    return sending.CampaignSend(
        message_id=sending.campaign_message_id(enrolment, step),
        mailbox_id=world.mailbox["id"],
        to="lead@example.test",
        subject="Hello {{ first_name }}",
        html=None,
        text="Hi {{ first_name }}",
        variables={"first_name": "Lead"},
        campaign=sending.CampaignLink(LINK.campaign_id, enrolment, "ctc_fn", step, None),
        **changes,
    )


def test_a_campaigns_steps_are_sent_from_the_bulk_queue_threaded(aws, api):
    # given a tenant ready to send, and its campaign's first step enqueued
    world = sending_world(api)
    first = _send(world, 1)
    [outcome] = sending.enqueue_campaign(world.tenant_id, "business", [first])
    assert (outcome.created, outcome.status) == (True, "queued")

    # when the bulk queue's job reaches the send worker
    jobs = _bulk_jobs(world)
    assert len(jobs) == 1 and world.tenant_id in jobs[0]["Body"]
    assert _deliver_bulk(jobs) == {"batchItemFailures": []}

    # then it was sent, and its reply names the campaign and the step
    reply = world.get(first.message_id)
    assert (reply["status"], reply["campaign_id"], reply["step"]) == ("sent", LINK.campaign_id, 1)

    # and a rerun creates nothing and enqueues nothing (the message is no longer queued)
    [again] = sending.enqueue_campaign(world.tenant_id, "business", [first])
    assert (again.created, again.status) == (False, "sent")
    assert _bulk_jobs(world) == []

    # when step 2 follows up on it
    thread = sending.rfc_message_id(first.message_id, world.mailbox["email"])
    follow_up = _send(world, 2, in_reply_to=thread, references=(thread,))
    sending.enqueue_campaign(world.tenant_id, "business", [follow_up])
    assert _deliver_bulk(_bulk_jobs(world)) == {"batchItemFailures": []}

    # then the server got it threaded on the first one
    first_raw, second_raw = (raw for _, raw in world.sink.accepted)
    parse = email.policy.default
    first_id = email.message_from_bytes(first_raw, policy=parse)["Message-ID"]
    assert email.message_from_bytes(second_raw, policy=parse)["In-Reply-To"] == first_id


def test_capacity_and_suppressions_through_the_surface(aws, api):
    world = sending_world(api)
    mailbox_id = world.mailbox["id"]
    found = sending.mailbox_capacity(world.tenant_id, [mailbox_id], "2026-11-28")
    assert (found[mailbox_id].remaining, found[mailbox_id].healthy) == (1000, True)

    sending.suppress_erased(world.tenant_id, "Erased@Example.test", "2026-11-28T12:00:00Z")
    assert sending.is_suppressed(world.tenant_id, "erased@example.test")
    assert not sending.is_suppressed(world.tenant_id, "kept@example.test")
