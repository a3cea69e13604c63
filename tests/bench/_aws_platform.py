"""The cost bench's platform: the template's stack in moto, one tenant with a verified
Route 53 domain and three mailboxes (SMTP and IMAP), and every path an email takes, driven
the way AWS drives it: API Gateway requests through the Chalice app, SQS records to the send
worker and the inbound worker in the template's batch sizes (polled with the metered client:
Lambda's pollers are billed SQS requests), Kinesis records to the event consumer in its
batch size, the schedules' handlers. Each handler call is timed as one Lambda invocation.

The tenant's SMTP and IMAP servers are twins that wait as long as a real conversation would
(``smtp_ms`` per message, ``imap_ms`` per poll), sharing a mailbox's connections the way the
worker does (``PM_SMTP_CONNECTIONS_PER_MAILBOX``).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import email
import functools
import json
import re
import time
from collections import Counter
from typing import Any

from infrastructure.local import template as tpl
from tests.bench._aws_meter import Invocations

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
_TOKEN = r"([A-Za-z0-9_\-.~]+)"


@functools.cache
def template() -> dict[str, Any]:
    return tpl.load()


def mapping_of(source_logical_id: str) -> tpl.MappingSpec:
    return next(m for m in tpl.mappings(template()) if m.source_logical_id == source_logical_id)


class SlowSink:
    """The SMTP twin, ``smtp_ms`` per message, at most ``connections`` at once per mailbox."""

    def __init__(self, sink: Any, smtp_ms: float, connections: int) -> None:
        self.sink, self.smtp_ms, self.connections = sink, smtp_ms, connections

    def factory(self, mailbox: Any) -> Any:
        inner, gate, wait = self.sink.factory(mailbox), None, self.smtp_ms / 1000
        connections = self.connections

        class Sender:
            async def send(self, envelope: Any) -> Any:
                nonlocal gate
                gate = gate or asyncio.Semaphore(connections)
                async with gate:
                    await asyncio.sleep(wait)
                    return await inner.send(envelope)

            async def close(self) -> None:
                await inner.close()

        return Sender()


class Inboxes:
    """The IMAP twin: what each mailbox's inbox holds, ``imap_ms`` per poll. The password
    is read as the real source reads it, so the Secrets Manager call is counted."""

    def __init__(self, imap_ms: float) -> None:
        self.waiting: dict[str, list[bytes]] = {}
        self.imap_ms = imap_ms

    def source(self, mailbox: Any) -> Any:
        from chalicelib.aws import secrets

        secrets.cached().get(mailbox.imap.secret_name)
        inbox, wait = self.waiting.setdefault(mailbox.email, []), self.imap_ms / 1000

        class Source:
            def fetch_since(self, last_uid: int, limit: int) -> list[tuple[int, bytes]]:
                time.sleep(wait)
                return [(uid, raw) for uid, raw in enumerate(inbox, 1) if uid > last_uid][:limit]

        return Source()


class Platform:
    def __init__(self, client: Any, run: Invocations, smtp_ms: float, imap_ms: float) -> None:
        import boto3

        from tests.fakes.smtp import SmtpSink

        self.client, self.run = client, run
        self.sink, self.inboxes = SmtpSink(), Inboxes(imap_ms)
        self.smtp_ms = smtp_ms
        self.send_batch = mapping_of("SendPriorityQueue").batch_size
        self.event_batch = mapping_of("EventsStream").batch_size
        self.inbound_batch = mapping_of("InboundQueue").batch_size
        self.kinesis = boto3.client("kinesis", region_name="us-east-1")  # Lambda's reads
        self._iterator: str | None = None
        self.event_types: Counter[str] = Counter()  # of the last consume_events

    def request(self, method: str, path: str, body: str | None = None, **headers: str) -> Any:
        sent = {"Content-Type": "application/json", "User-Agent": BROWSER, **headers}
        return self.run.timed(
            "api", lambda: self.client.http.request(method, path, headers=sent, body=body), True
        )

    # --- the tenant ---------------------------------------------------------------------

    def set_up(self, admin_key: str) -> str:
        from chalicelib.core import wiring
        from chalicelib.core.settings import settings
        from tests.fakes.dns import ZoneDns
        from tests.fakes.probe import FakeProber

        wiring.override("domains.dns_lookup", ZoneDns())
        wiring.override("mailboxes.probe", FakeProber())
        wiring.override("inbound.sources", self.inboxes.source)
        tenant = {"name": "Bench", "plan": "enterprise", "postal_address": "1 Bench Road"}
        created = self._post("/v1/tenants", tenant, admin_key)
        self.key, self.tenant_id = created["api_key"]["key"], created["tenant"]["id"]
        domain = self._post(
            "/v1/domains",
            {"name": "cost.test", "dns_provider": "route53", "server_ips": ["192.0.2.1"]},
        )
        self.domain_id = domain["id"]
        self._post(f"/v1/domains/{domain['id']}/verify", None, status=200)
        server = {"host": "127.0.0.1", "port": 2525, "password": "right"}
        for name in ("a", "b", "c"):
            mailbox = {
                "email": f"{name}@cost.test",
                "daily_limit": 10_000,
                "smtp": {**server, "username": name},
                "imap": {**server, "port": 993, "security": "tls", "username": name},
            }
            self._post("/v1/mailboxes", mailbox)
        slow = SlowSink(self.sink, self.smtp_ms, settings().smtp_connections_per_mailbox)
        ports = wiring.get("sending.send_ports")()
        wiring.override("sending.send_ports", dataclasses.replace(ports, senders=slow.factory))
        return self.key

    def _post(self, path: str, body: Any, key: str | None = None, status: int = 201) -> Any:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key or self.key}"}
        raw = None if body is None else json.dumps(body)
        reply = self.client.http.request("POST", path, headers=headers, body=raw)
        assert reply.status_code == status, (path, reply.body)
        return json.loads(reply.body)

    # --- sending ------------------------------------------------------------------------

    def queue_batch(self, recipients: list[str]) -> None:
        for start in range(0, len(recipients), 500):
            body = {
                "from": "team@cost.test",
                "subject": "Hello {{ first }}",
                "html": "<p>Hi {{ first }}, <a href='https://example.com/a'>a link</a>.</p>",
                "recipients": [
                    {"to": r, "variables": {"first": r[:4]}}
                    for r in recipients[start : start + 500]
                ],
            }
            self._accepted(
                self.request("POST", "/v1/messages/batch", json.dumps(body), **self._auth())
            )

    def queue_singles(self, recipients: list[str]) -> None:
        for to in recipients:
            body = {
                "from": "team@cost.test",
                "to": to,
                "subject": "Hello there",
                "html": "<p>Hi, <a href='https://example.com/a'>a link</a>.</p>",
            }
            self._accepted(self.request("POST", "/v1/messages", json.dumps(body), **self._auth()))

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @staticmethod
    def _accepted(reply: Any) -> None:
        assert reply.status_code == 202, reply.body

    def drain_sends(self) -> None:
        from chalicelib.core.settings import settings
        from functions.send_worker import handler

        self._drain(settings().send_priority_queue_url, self.send_batch, "send_worker", handler)

    def _drain(self, url: str, batch: int, function: str, handler: Any) -> None:
        from chalicelib.core import wiring

        sqs = wiring.get("aws.sqs")()
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch).get(
            "Messages"
        ):
            event = {"Records": [_sqs_record(m) for m in messages]}
            reply = self.run.timed(function, lambda e=event: handler(e, None))
            failed = {f["itemIdentifier"] for f in reply["batchItemFailures"]}
            done = [m for m in messages if m["MessageId"] not in failed]
            if done:
                entries = [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ]
                sqs.delete_message_batch(QueueUrl=url, Entries=entries)

    # --- engagement ---------------------------------------------------------------------

    def tokens(self, sent: list[tuple[str, bytes]]) -> list[tuple[str, str, str]]:
        """(recipient, open token, click token) of each email, read from its HTML part."""
        found = []
        for rcpt, data in sent:
            message = email.message_from_bytes(data)
            html = next(p for p in message.walk() if p.get_content_type() == "text/html")
            text = html.get_payload(decode=True).decode()
            opened = re.search("/t/o/" + _TOKEN, text)
            clicked = re.search("/t/c/" + _TOKEN, text)
            found.append(
                (rcpt, opened.group(1) if opened else "", clicked.group(1) if clicked else "")
            )
        return found

    def hit(self, kind: str, token: str) -> None:
        reply = self.request("GET", f"/t/{kind}/{token}")
        assert reply.status_code in (200, 302), reply.status_code

    def bounce(self, rcpt: str, data: bytes) -> None:
        """A DSN for this email lands in the sending mailbox's inbox (RFC 3464, to the VERP
        envelope sender, with the original Message-ID)."""
        message = email.message_from_bytes(data)
        mailbox = email.utils.parseaddr(message["From"])[1]
        verp = email.utils.parseaddr(message.get("Return-Path", ""))[1] or mailbox
        dsn = "\r\n".join(
            [
                "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
                f"To: {verp}",
                "Subject: Undelivered Mail Returned to Sender",
                'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
                "",
                "--B",
                "Content-Type: message/delivery-status",
                "",
                "Reporting-MTA: dns; mx.example.net",
                "",
                f"Final-Recipient: rfc822; {rcpt}",
                "Action: failed",
                "Status: 5.1.1",
                "Diagnostic-Code: smtp; 550 5.1.1 user unknown",
                "",
                "--B",
                "Content-Type: text/rfc822-headers",
                "",
                f"Message-ID: {message['Message-ID']}",
                "",
                "--B--",
                "",
            ]
        )
        self.inboxes.waiting.setdefault(mailbox, []).append(dsn.encode())

    # --- inbound, schedules, events -----------------------------------------------------

    def poll_inboxes(self) -> None:
        from chalicelib.core.settings import settings
        from functions.inbound_poller import handler as poller
        from functions.inbound_worker import handler as worker

        self.run.timed("inbound_poller", lambda: poller({}, None))
        self._drain(settings().inbound_queue_url, self.inbound_batch, "inbound_worker", worker)

    def verify_domains(self) -> None:
        """The hourly re-verification with the tenant's domain due."""
        import boto3

        from chalicelib.core.settings import settings
        from functions.domain_verifier import handler

        boto3.client("dynamodb", region_name="us-east-1").update_item(
            TableName=settings().table("DomainsTable"),
            Key={"tenant_id": {"S": self.tenant_id}, "sk": {"S": self.domain_id}},
            UpdateExpression="SET next_check_at = :due",
            ExpressionAttributeValues={":due": {"S": "2000-01-01T00:00:00Z"}},
        )
        self.run.timed("domain_verifier", lambda: handler({}, None))

    def monitor_queues(self) -> None:
        from functions.queue_monitor import handler

        self.run.timed("queue_monitor", lambda: handler({}, None))

    def relay_outbox(self) -> int:
        """The outbox relay over every DynamoDB Stream the template maps to it, in each
        mapping's batch size (Lambda's reads of a stream are free: not metered); the stream
        records handed to it."""
        from chalicelib.core.settings import settings
        from functions.outbox_relay import handler
        from tests.functional.outbox import stream_batches

        handed = 0
        for mapping in tpl.mappings(template()):
            if mapping.function.handler != "functions.outbox_relay.handler":
                continue
            table = settings().table(mapping.source_logical_id)
            for batch in stream_batches(table, mapping.batch_size):
                self.run.timed("outbox_relay", lambda b=batch: handler({"Records": b}, None))
                handed += len(batch)
        return handed

    def consume_events(self, stride: int) -> tuple[int, int]:
        """The outbox relayed, then every new event on the stream, in the mapping's batch
        size; one batch in ``stride`` is handed to the consumer. Returns (events, events
        consumed)."""
        from chalicelib.core.settings import settings
        from functions.event_consumer import handler

        self.relay_outbox()
        stream = settings().events_stream
        if self._iterator is None:
            shard = self.kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
            self._iterator = self.kinesis.get_shard_iterator(
                StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        seen = consumed = batches = 0
        self.event_types = Counter()
        while True:
            reply = self.kinesis.get_records(ShardIterator=self._iterator, Limit=self.event_batch)
            self._iterator = reply["NextShardIterator"]
            if not reply["Records"]:
                return seen, consumed
            seen += len(reply["Records"])
            self.event_types.update(json.loads(r["Data"])["type"] for r in reply["Records"])
            if batches % stride == 0:
                event = {"Records": [_kinesis_record(r) for r in reply["Records"]]}
                self.run.timed("event_consumer", lambda e=event: handler(e, None))
                consumed += len(reply["Records"])
            batches += 1


def _sqs_record(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench",
    }


def _kinesis_record(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventID": f"shardId-000000000000:{record['SequenceNumber']}",
        "eventSource": "aws:kinesis",
        "kinesis": {
            "data": base64.b64encode(record["Data"]).decode(),
            "sequenceNumber": record["SequenceNumber"],
            "partitionKey": record["PartitionKey"],
        },
    }
