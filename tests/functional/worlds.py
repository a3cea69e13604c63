"""Worlds the functional tests share: a tenant ready to send (``sending_world``) and a
message written straight to storage."""

from __future__ import annotations

import dataclasses

import boto3

from tests.fakes.dns import ZoneDns
from tests.fakes.probe import FakeProber
from tests.fakes.smtp import SmtpSink


class Sending:
    def __init__(self, api, key: str, tenant_id: str, mailbox: dict, sink: SmtpSink) -> None:
        self.api, self.key, self.tenant_id, self.mailbox, self.sink = (
            api,
            key,
            tenant_id,
            mailbox,
            sink,
        )
        from chalicelib.core.settings import settings

        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.url = settings().send_priority_queue_url
        self.dlq = settings().send_priority_dlq_url

    def send(self, to: str, **fields) -> dict:
        body = {"from": self.mailbox["id"], "to": to, "subject": "Hello", "text": "Hi there"}
        reply = self.api.call("POST", "/v1/messages", self.key, {**body, **fields})
        assert reply.status_code == 202, reply.data
        return reply.data

    def get(self, message_id: str) -> dict:
        return self.api.call("GET", f"/v1/messages/{message_id}", self.key).data

    def receive(self) -> list[dict]:
        reply = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, AttributeNames=["All"]
        )
        return reply.get("Messages", [])

    def deliver(self, messages: list[dict]) -> dict:
        from functions.send_worker import handler

        event = {"Records": [_record(m) for m in messages]}
        return handler(event, None)

    def drain(self, rounds: int = 50) -> None:
        for _ in range(rounds):
            messages = self.receive()
            if not messages:
                return
            failed = {f["itemIdentifier"] for f in self.deliver(messages)["batchItemFailures"]}
            for m in messages:
                if m["MessageId"] not in failed:
                    self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        raise AssertionError("the queue did not drain")


def _record(message: dict) -> dict:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:penguinmails-local-send-priority",
        "awsRegion": "us-east-1",
    }


def sending_world(api) -> Sending:
    """A business tenant with a verified Route 53 domain, one mailbox, and an SMTP twin in
    place of the tenant's server."""
    from chalicelib.core import wiring

    wiring.override("domains.dns_lookup", ZoneDns())
    wiring.override("mailboxes.probe", FakeProber())
    tenant, key = api.new_tenant("business", postal_address="1 Test Road, Testville")
    name = f"send{tenant['id'][4:12]}.test"
    domain = api.call(
        "POST",
        "/v1/domains",
        key,
        {"name": name, "dns_provider": "route53", "server_ips": ["192.0.2.10"]},
    ).data
    assert api.call("POST", f"/v1/domains/{domain['id']}/verify", key).data["status"] == "verified"
    mailbox = api.call(
        "POST",
        "/v1/mailboxes",
        key,
        {
            "email": f"alice@{name}",
            "display_name": "Alice",
            "daily_limit": 1000,
            "smtp": {"host": "127.0.0.1", "port": 2525, "username": "a", "password": "right"},
        },
    ).data
    sink = SmtpSink()
    wiring.override(
        "sending.send_ports",
        dataclasses.replace(wiring.get("sending.send_ports")(), senders=sink.factory),
    )
    return Sending(api, key, tenant["id"], mailbox, sink)


def stored_message(tenant_id, mailbox, **fields):
    """A's message written straight to storage (A's test domain is not verified, so the API
    would refuse to queue one); ``fields`` replace the defaults."""
    from chalicelib.core import ids, wiring
    from chalicelib.sending.rules.messages import Message

    message = Message(
        tenant_id=tenant_id,
        message_id=ids.new_sortable_id("msg"),
        status="queued",
        mailbox_id=mailbox["id"],
        domain_id=mailbox["domain_id"],
        from_address=mailbox["email"],
        from_name="",
        to="someone@example.test",
        reply_to=None,
        headers={},
        tags=(),
        metadata={},
        variables={},
        body_key="tenant/x/messages/none.json",
        template_id=None,
        track_opens=True,
        track_clicks=True,
        queue="priority",
        created_at="2026-01-01T00:00:00Z",
    )
    message = dataclasses.replace(message, **fields)
    wiring.get("sending.messages")().create_many([message])
    return message
