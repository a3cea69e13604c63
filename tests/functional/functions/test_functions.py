"""The worker functions, driven by the shared sample events in ``events/``."""

import base64
import copy
import json
from pathlib import Path

import boto3
import jsonschema
import pytest

from chalicelib.core.events import new_event
from infrastructure.local.smtp_server import LocalSmtpServer
from tests.functional.outbox import kinesis_batch, stream_events

EVENTS = Path(__file__).resolve().parents[3] / "events"


def sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


class Context:
    aws_request_id = "req-functional"
    function_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def relay(aws, monkeypatch):
    """The platform relay: a real SMTP server on loopback with STARTTLS and AUTH."""
    from chalicelib.core import wiring
    from chalicelib.core.settings import reset_settings

    server = LocalSmtpServer("127.0.0.1", 0)
    server.start()
    server.add_user("notifications@penguinmails.local", "relay-password")
    monkeypatch.setenv("PM_NOTIFY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PM_NOTIFY_SMTP_PORT", str(server.port))
    reset_settings()
    wiring.reset()
    yield server
    server.stop()
    reset_settings()
    wiring.reset()


def _stream_events(aws) -> list[dict]:
    return stream_events(aws)


def test_notifier_sends_once_even_when_sqs_delivers_twice(relay, aws):
    from functions import notifier

    event = sample("sqs/notification_welcome.json")
    assert notifier.handler(event, Context()) == {"batchItemFailures": []}
    assert notifier.handler(copy.deepcopy(event), Context()) == {"batchItemFailures": []}
    mails = relay.messages()
    assert len(mails) == 1
    assert mails[0]["rcpt_tos"] == ["owner@demo.test"] and mails[0]["tls"]
    assert "Subject: Welcome to PenguinMails" in mails[0]["raw"]
    sent = [e for e in _stream_events(aws) if e["type"] == "notification.sent"]
    assert sent and sent[-1]["notification_id"] == "ntf_sampleaaaaaaaaaaaaaaa"


def test_notifier_reports_only_the_failing_record(relay):
    from functions import notifier

    good = sample("sqs/notification_welcome.json")["Records"][0]
    good["body"] = good["body"].replace("ntf_sampleaaaaaaaaaaaaaaa", "ntf_samplebbbbbbbbbbbbbbb")
    poison = sample("sqs/notification_poison.json")["Records"][0]
    reply = notifier.handler({"Records": [poison, good]}, Context())
    assert reply == {"batchItemFailures": [{"itemIdentifier": poison["messageId"]}]}
    assert len(relay.messages()) == 1


def test_notifier_fails_the_record_when_the_relay_is_down_and_can_retry(relay):
    from functions import notifier

    event = sample("sqs/notification_welcome.json")
    event["Records"][0]["body"] = event["Records"][0]["body"].replace(
        "ntf_sampleaaaaaaaaaaaaaaa", "ntf_samplecccccccccccccccc"
    )
    relay.stop()
    failed = notifier.handler(event, Context())
    assert failed["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    relay.start()
    relay.add_user("notifications@penguinmails.local", "relay-password")
    import os

    from chalicelib.core import wiring
    from chalicelib.core.settings import reset_settings

    os.environ["PM_NOTIFY_SMTP_PORT"] = str(relay.port)
    reset_settings()
    wiring.reset()
    assert notifier.handler(event, Context()) == {"batchItemFailures": []}
    assert len(relay.messages()) == 1


def test_event_consumer_counts_each_event_once(aws):
    from chalicelib.core import wiring
    from functions import event_consumer

    event = sample("kinesis/tenant_created.json")
    assert event_consumer.handler(event, Context()) == {"batchItemFailures": []}
    assert event_consumer.handler(event, Context()) == {"batchItemFailures": []}
    counts = wiring.get("analytics.counters")().read("ten_sampleaaaaaaaaaaaaaa", "month#2026-11")
    assert counts == {"tenant_created": 1}
    assert wiring.get("analytics.counters")().read(
        "ten_sampleaaaaaaaaaaaaaa", "day#2026-11-28"
    ) == {"tenant_created": 1}


def test_a_batch_is_counted_in_one_go_and_a_redelivery_with_new_events_counts_only_those(aws):
    from chalicelib.core import wiring
    from functions import event_consumer

    # given 150 sent messages over two mailboxes (more than one transaction holds)
    tenant = "ten_batchbatchbatchbatc"
    sent = [
        new_event(
            "message.sent",
            tenant,
            "2026-11-28T10:00:00.000Z",
            message_id=f"msg_a{n}",
            mailbox_id=f"mbx_{n % 2}",
            to="a@example.test",
            attempt=1,
            smtp_code=250,
        )
        for n in range(150)
    ]
    # when the batch arrives, then again with five new events in it
    assert event_consumer.handler(kinesis_batch(sent), Context()) == {"batchItemFailures": []}
    extra = [
        new_event(
            "message.queued",
            tenant,
            "2026-11-28T10:00:01.000Z",
            message_id=f"msg_b{n}",
            mailbox_id="mbx_0",
            to="a@example.test",
            tags=[],
        )
        for n in range(5)
    ]
    assert event_consumer.handler(kinesis_batch(sent + extra), Context()) == {
        "batchItemFailures": []
    }
    # then each event counted once, per tenant and per mailbox
    counters = wiring.get("analytics.counters")()
    assert counters.read(tenant, "month#2026-11") == {"message_sent": 150, "message_queued": 5}
    assert counters.read(tenant, "mailbox#mbx_1#day#2026-11-28") == {"message_sent": 75}


def test_event_consumer_skips_malformed_records_without_blocking(aws):
    from functions import event_consumer

    event = sample("kinesis/tenant_created.json")
    bad = copy.deepcopy(event["Records"][0])
    bad["kinesis"]["data"] = base64.b64encode(b"\xff not json").decode()
    bad["kinesis"]["sequenceNumber"] = "1"
    assert event_consumer.handler({"Records": [bad]}, Context()) == {"batchItemFailures": []}


def test_queue_monitor_reports_depths(aws):
    from functions import queue_monitor

    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.send_message(QueueUrl=aws["NotificationsDLQUrl"], MessageBody="{}")
    reply = queue_monitor.handler(sample("schedule/queue_monitor.json"), Context())
    assert reply["depths"]["notifications-dlq"] >= 1
    assert "notifications" in reply["depths"]


MESSAGE_EVENTS = ("queued", "sending", "sent", "deferred", "bounced", "failed", "suppressed")


def _hit_sample() -> dict:
    return {
        "message_id": "msg_abc",
        "actor": "machine",
        "reason": "scanner_user_agent",
        "source": "Mimecast",
        "user_agent": "Mimecast",
        "ip": "192.0.2.0",
        "method": "GET",
    }


def _message_sample(status: str) -> dict:
    sample = {"message_id": "msg_abc", "mailbox_id": "mbx_abc", "to": "a@example.test"}
    extra = {
        "queued": {"tags": ["t"]},
        "sending": {"attempt": 1},
        "sent": {"attempt": 1, "smtp_code": 250, "smtp_text": "ok", "stage": "done"},
        "deferred": {"attempt": 1, "smtp_code": 451, "enhanced_status": "4.7.1"},
        "bounced": {"attempt": 1, "smtp_code": 550, "enhanced_status": "5.1.1"},
        "failed": {"reason": "outcome_unknown"},
        "suppressed": {"step": "hold_if_suppressed", "reason": "on the list"},
    }
    return {**sample, **extra[status]}


def _warmup_decision_sample() -> dict:
    from chalicelib.warmup.rules import DayStats, decide

    decision = decide("standard", 3, DayStats(sent=45, bounced=1, inbox=30, spam=10, opened=28))
    return {
        "mailbox_id": "mbx_abc",
        "plan": "standard",
        "on": "2026-11-28",
        "day": 3,
        **{k: v for k, v in decision.to_dict().items() if k != "inputs"},
        "inputs": decision.inputs,
    }


@pytest.mark.parametrize("schema", sorted((EVENTS / "schemas").glob("*.json")))
def test_every_event_type_has_a_schema_that_fits_what_we_publish(schema):
    spec = json.loads(schema.read_text())
    jsonschema.Draft202012Validator.check_schema(spec)
    samples = {
        "tenant.created": {"plan": "starter"},
        "tenant.updated": {"changes": ["plan"], "plan": "starter", "status": "active"},
        "api_key.created": {"key_id": "key_abc", "scope": "send"},
        "api_key.revoked": {"key_id": "key_abc"},
        "notification.sent": {"notification_id": "ntf_abc", "kind": "tenant.welcome"},
        **{f"message.{status}": _message_sample(status) for status in MESSAGE_EVENTS},
        "message.delivered": {
            "message_id": "msg_abc",
            "mailbox_id": "mbx_abc",
            "to": "a@example.test",
            "sent_at": "2026-12-02T12:00:00Z",
        },
        "message.opened": _hit_sample(),
        "message.clicked": {**_hit_sample(), "link_index": 0, "url": "https://example.com/"},
        "message.unsubscribed": {"message_id": "msg_abc", "how": "one_click"},
        "message.replied": {"message_id": "msg_abc", "inbound_id": "inb_abc"},
        "message.auto_replied": {"message_id": "msg_abc", "inbound_id": "inb_abc"},
        "message.complained": {
            "message_id": "msg_abc",
            "inbound_id": "inb_abc",
            "feedback_type": "abuse",
        },
        "recipient.suppressed": {
            "address": "a@example.test",
            "reason": "hard bounce 550 5.1.1",
            "source": "bounce",
            "message_id": "msg_abc",
        },
        "server.circuit_opened": {
            "server": "smtp.acme.test:587",
            "failures": 3,
            "until": "2026-11-28T12:01:00.000Z",
            "reopened": False,
        },
        "server.circuit_closed": {"server": "smtp.acme.test:587", "failures": 4},
        "contact.created": {
            "contact_id": "ctc_abcdefghijklmnop",
            "status": "active",
            "lists": ["lst_abcdefghijklmnop"],
        },
        "contact.updated": {
            "contact_id": "ctc_abcdefghijklmnop",
            "status": "replied",
            "changes": ["status"],
            "reason": "replied to msg_abc",
        },
        "contact.deleted": {"contact_id": "ctc_abcdefghijklmnop"},
        "warmup.decision": _warmup_decision_sample(),
        "webhook.test": {"endpoint_id": "whk_abcdefghijkl"},
        "contact.erased": {"contact_id": "ctc_abcdefghijklmnop"},
        "campaign.created": {"campaign_id": "cmp_abcdefghijklmnop", "status": "draft"},
        "campaign.started": {
            "campaign_id": "cmp_abcdefghijklmnop",
            "status": "sending",
            "previous_status": "scheduled",
            "actor": "scheduler",
        },
        "campaign.paused": {
            "campaign_id": "cmp_abcdefghijklmnop",
            "status": "paused",
            "previous_status": "sending",
            "actor": "api",
        },
        "campaign.resumed": {
            "campaign_id": "cmp_abcdefghijklmnop",
            "status": "sending",
            "previous_status": "paused",
            "actor": "api",
        },
        "campaign.completed": {
            "campaign_id": "cmp_abcdefghijklmnop",
            "status": "completed",
            "previous_status": "sending",
            "actor": "scheduler",
        },
        "campaign.cancelled": {
            "campaign_id": "cmp_abcdefghijklmnop",
            "status": "cancelled",
            "previous_status": "paused",
            "actor": "api",
        },
        "alert.raised": {
            "alert_id": "alr_abcdefghijklmnop",
            "kind": "bounce_rate_pause",
            "scope": "mailbox:mbx_abcdefghijklmnop",
            "day": "2026-11-28",
            "severity": "critical",
            "action": "pause_mailbox",
        },
    }
    event = new_event(
        spec["title"],
        "ten_abcdefghijklmnopqrst",
        "2026-11-28T12:00:00.000Z",
        **samples.get(spec["title"], {"message_id": "msg_abc"}),
    )
    jsonschema.validate(event, spec)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**event, "unexpected": 1}, spec)


def test_the_api_publishes_events_that_match_their_schemas(api, aws):
    _, key = api.new_tenant()
    api.call("POST", "/v1/api-keys", key, {"name": "x"})
    published = _stream_events(aws)
    assert published
    for event in published:
        spec = json.loads((EVENTS / "schemas" / f"{event['type']}.json").read_text())
        jsonschema.validate(event, spec)


def test_the_send_worker_drops_what_is_not_a_send_job_and_skips_unknown_messages(aws):
    from functions import send_worker

    reply = send_worker.handler(sample("sqs/send_job.json"), Context())
    assert reply == {"batchItemFailures": []}


def test_opens_and_clicks_land_on_their_message_apart_for_people_and_machines(api, aws):
    from chalicelib.core import wiring
    from functions import event_consumer
    from tests.functional.worlds import stored_message

    tenant, key = api.new_tenant("business")
    mailbox = {"id": "mbx_aaaaaaaaaaaaaaaaaaaa", "domain_id": "dom_x", "email": "a@x.test"}
    message = stored_message(tenant["id"], mailbox)

    def hit(kind, actor, at):
        return new_event(
            kind,
            tenant["id"],
            at,
            message_id=message.message_id,
            actor=actor,
            reason="r",
            user_agent="ua",
            ip="192.0.2.0",
            method="GET",
        )

    events = [
        hit("message.opened", "human", "2026-11-28T10:00:00.000Z"),
        hit("message.opened", "machine", "2026-11-28T10:00:01.000Z"),
        hit("message.opened", "human", "2026-11-28T10:05:00.000Z"),
    ]
    clicked = {
        **hit("message.clicked", "human", "2026-11-28T10:06:00.000Z"),
        "link_index": 0,
        "url": "https://example.com/",
    }
    assert event_consumer.handler(kinesis_batch([*events, clicked]), Context()) == {
        "batchItemFailures": []
    }
    orphan = {
        **hit("message.opened", "human", "2026-11-28T10:07:00.000Z"),
        "message_id": "msg_gone",
    }
    event_consumer.handler(kinesis_batch([orphan]), Context())
    view = api.call("GET", f"/v1/messages/{message.message_id}", key).data["engagement"]
    assert view["opens"] == {"human": 2, "machine": 1} and view["clicks"]["human"] == 1
    assert view["last_open_at"] == "2026-11-28T10:05:00.000Z"
    listed = api.call("GET", "/v1/messages", key).data["items"]
    assert [m["id"] for m in listed] == [message.message_id]
    assert wiring.get("sending.messages")().get(tenant["id"], "msg_gone") is None
