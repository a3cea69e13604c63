"""Live updates over moto: the tickets route (its reply held to the contract, the ticket
stored only hashed) and the events consumer pushing a batch's events and the tenant's totals
to a recording pusher, without ever failing the batch for a push."""

from __future__ import annotations

import pytest

from chalicelib.core.events import new_event
from tests.fakes.realtime import RecordingPusher
from tests.functional.functions.test_functions import Context
from tests.functional.outbox import kinesis_batch
from tests.functional.worlds import stored_message

URL = "wss://abc123.execute-api.us-east-1.amazonaws.com/dev/"
MAILBOX = {"id": "mbx_aaaaaaaaaaaaaaaaaaaa", "domain_id": "dom_aaaaaaaaaaaaaaaaaaaa",
           "email": "a@x.test"}  # fmt: skip


@pytest.fixture
def deployed_url(monkeypatch, aws):
    from chalicelib.core.settings import reset_settings

    monkeypatch.setenv("PM_WEBSOCKET_URL", URL)
    reset_settings()
    yield URL
    monkeypatch.delenv("PM_WEBSOCKET_URL")
    reset_settings()


@pytest.fixture
def pusher(aws):
    from chalicelib.core import wiring

    recording = RecordingPusher()
    wiring.override("realtime.pusher", recording)
    return recording


def test_a_ticket_is_created_with_the_websocket_url_and_stored_hashed(api, deployed_url):
    tenant, key = api.new_tenant("business")
    reply = api.call("POST", "/v1/realtime/tickets", key)
    assert reply.status_code == 201, reply.data
    assert reply.data["url"] == URL and reply.data["ticket"].startswith("rtk.")
    from chalicelib.realtime import rules, wiring

    tenant_id, hashed = rules.parse_ticket(reply.data["ticket"])
    assert tenant_id == tenant["id"]
    found = wiring.tickets().take(tenant_id, hashed)
    assert found is not None and found.tenant_id == tenant["id"]


def test_no_key_is_a_401_and_no_websocket_api_a_503(api, aws):
    assert api.call("POST", "/v1/realtime/tickets").status_code == 401
    _, key = api.new_tenant("business")
    reply = api.call("POST", "/v1/realtime/tickets", key)
    assert reply.status_code == 503 and reply.data["error"]["code"] == "service_unavailable"


def _subscribed(tenant_id: str, connection_id: str, *topics: str) -> None:
    from chalicelib.realtime import wiring

    for topic in topics:
        wiring.subscriptions().add(tenant_id, topic, connection_id, 2_000_000_000)


def test_the_events_consumer_pushes_events_and_totals(api, pusher):
    from functions import event_consumer

    # given a tenant listening to its stream and to one message
    tenant, _ = api.new_tenant("business")
    message = stored_message(tenant["id"], MAILBOX, to="p@example.test")
    _subscribed(tenant["id"], "conn-t", "tenant")
    _subscribed(tenant["id"], "conn-m", f"message:{message.message_id}")
    sent = new_event("message.sent", tenant["id"], "2026-11-28T09:00:00.000Z",
                     message_id=message.message_id, mailbox_id=MAILBOX["id"],
                     to=message.to, attempt=1, smtp_code=250)  # fmt: skip
    # when the consumer counts the batch
    reply = event_consumer.handler(kinesis_batch([sent]), Context())
    # then the event went to both, and the tenant's totals (as the overview) after it
    assert reply == {"batchItemFailures": []}
    assert pusher.to("conn-m") == [
        {"type": "event", "topic": f"message:{message.message_id}", "event": sent}
    ]
    pushed = pusher.to("conn-t")
    assert pushed[0] == {"type": "event", "topic": "tenant", "event": sent}
    assert pushed[1]["type"] == "counters" and pushed[1]["topic"] == "tenant"
    assert {"from", "to", "counts", "rates"} <= set(pushed[1]["counters"])


def test_a_failing_push_never_fails_the_batch_and_gone_is_cleaned(api, pusher):
    from chalicelib.realtime import wiring
    from functions import event_consumer

    tenant, _ = api.new_tenant("business")
    _subscribed(tenant["id"], "conn-gone", "tenant")
    pusher.gone.add("conn-gone")
    event = new_event("tenant.updated", tenant["id"], "2026-11-28T09:00:00.000Z", changes=["plan"])
    assert event_consumer.handler(kinesis_batch([event]), Context()) == {"batchItemFailures": []}
    assert wiring.subscriptions().of_tenant(tenant["id"]) == {}
    _subscribed(tenant["id"], "conn-t", "tenant")
    pusher.broken = True
    assert event_consumer.handler(kinesis_batch([event]), Context()) == {"batchItemFailures": []}
