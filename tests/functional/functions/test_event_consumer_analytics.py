"""The event consumer keeps the analytics counters from Kinesis batches: a redelivered event
is counted once, two human opens of one message make one unique open, machine opens are
counted apart, and the message's own engagement matches."""

from __future__ import annotations

import pytest

from chalicelib.core.events import new_event
from tests.fakes.analytics import FakeProviders
from tests.functional.functions.test_functions import Context
from tests.functional.outbox import kinesis_batch
from tests.functional.worlds import stored_message

DAY = "2026-11-28"
MAILBOX = {
    "id": "mbx_aaaaaaaaaaaaaaaaaaaa",
    "domain_id": "dom_aaaaaaaaaaaaaaaaaaaa",
    "email": "a@x.test",
}


@pytest.fixture
def tenant(api):
    from chalicelib.core import wiring

    wiring.override("analytics.providers", FakeProviders({"acme.test": "microsoft"}))
    created, key = api.new_tenant("business")
    return created["id"], key


def _sent(tenant_id: str, message) -> dict:
    return new_event(
        "message.sent",
        tenant_id,
        f"{DAY}T09:00:00.000Z",
        message_id=message.message_id,
        mailbox_id=message.mailbox_id,
        to=message.to,
        attempt=1,
        smtp_code=250,
    )


def _hit(tenant_id: str, message, actor: str, minute: int, kind: str = "message.opened") -> dict:
    fields = {"link_index": 0, "url": "https://example.com/"} if kind == "message.clicked" else {}
    return new_event(
        kind,
        tenant_id,
        f"{DAY}T10:{minute:02d}:00.000Z",
        message_id=message.message_id,
        actor=actor,
        reason="r",
        user_agent="ua",
        ip="192.0.2.1",
        method="GET",
        **fields,
    )


def _day(tenant_id: str, scope: str = "tenant") -> dict[str, int]:
    from chalicelib import analytics

    return analytics.reads().days(tenant_id, scope, DAY, DAY).get(DAY, {})


def test_unique_opens_once_machine_opens_apart_and_redelivery_counted_once(tenant, api):
    from functions import event_consumer

    # given a sent message and its opens: two by a person, one by a machine
    tenant_id, key = tenant
    message = stored_message(tenant_id, MAILBOX, to="p@acme.test")
    batch = [_sent(tenant_id, message)]
    batch += [_hit(tenant_id, message, "human", 1), _hit(tenant_id, message, "machine", 2)]
    batch += [_hit(tenant_id, message, "human", 3)]
    # when the batch is consumed, then redelivered with a click
    assert event_consumer.handler(kinesis_batch(batch), Context()) == {"batchItemFailures": []}
    click = _hit(tenant_id, message, "human", 4, "message.clicked")
    again = event_consumer.handler(kinesis_batch([*batch, click]), Context())
    # then every event counted once, in every scope
    assert again == {"batchItemFailures": []}
    counts = _day(tenant_id)
    assert {k: counts[k] for k in ("sent", "opens_human", "unique_opens", "opens_machine")} == {
        "sent": 1,
        "opens_human": 2,
        "unique_opens": 1,
        "opens_machine": 1,
    }
    assert (counts["clicks_human"], counts["unique_clicks"]) == (1, 1)
    assert _day(tenant_id, "provider:microsoft") == counts
    assert _day(tenant_id, f"domain:{MAILBOX['domain_id']}") == counts
    view = api.call("GET", f"/v1/messages/{message.message_id}", key).data["engagement"]
    assert view["opens"] == {"human": 2, "machine": 1} and view["clicks"]["human"] == 1


def test_opens_of_one_message_in_two_batches_make_one_unique_open(tenant):
    from functions import event_consumer

    tenant_id, _ = tenant
    message = stored_message(tenant_id, MAILBOX, to="p@gmail.com")
    for minute in (1, 2):
        batch = kinesis_batch([_hit(tenant_id, message, "human", minute)])
        assert event_consumer.handler(batch, Context()) == {"batchItemFailures": []}
    counts = _day(tenant_id, "provider:gmail")
    assert (counts["opens_human"], counts["unique_opens"]) == (2, 1)


def test_warmup_mail_counts_only_in_its_mailbox(tenant):
    from functions import event_consumer

    tenant_id, _ = tenant
    message = stored_message(tenant_id, MAILBOX, to="p@gmail.com", tags=("warmup",))
    assert event_consumer.handler(kinesis_batch([_sent(tenant_id, message)]), Context()) == {
        "batchItemFailures": []
    }
    assert _day(tenant_id) == {}
    assert _day(tenant_id, f"mailbox:{MAILBOX['id']}")["warmup_sent"] == 1
