"""The Firehose transformation over moto: an open (which names only its message) comes out as
the OLAP row of its campaign's step, variant, mailbox, domain and recipient domain, with its
partition keys in the metadata; warm-up mail is tagged from its message; a record that is no
event is ``ProcessingFailed`` with its data as it came, the others ``Ok``; another tenant's
message id enriches nothing."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.core.events import new_event
from chalicelib.sending.rules.messages import CampaignLink
from tests.functional.functions.test_functions import Context
from tests.functional.worlds import stored_message

DAY = "2026-11-28"
MAILBOX = {
    "id": "mbx_aaaaaaaaaaaaaaaaaaaa",
    "domain_id": "dom_aaaaaaaaaaaaaaaaaaaa",
    "email": "a@x.test",
}
LINK = CampaignLink("cmp_aaaaaaaaaaaaaaaaaaaa", "enr_aaaaaaaaaaaaaaaaaaaa", "con_a", 2, "B")


@pytest.fixture
def tenants(api):
    return api.new_tenant("business")[0]["id"], api.new_tenant("business")[0]["id"]


def _open(tenant_id: str, message_id: str) -> dict:
    return new_event(
        "message.opened",
        tenant_id,
        f"{DAY}T10:00:00.000Z",
        message_id=message_id,
        actor="human",
        reason="r",
        user_agent="ua",
        ip="192.0.2.1",
        method="GET",
    )


def _records(*payloads: bytes) -> dict:
    return {
        "invocationId": "inv-1",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/x",
        "region": "us-east-1",
        "records": [
            {"recordId": f"r{n}", "data": base64.b64encode(p).decode()}
            for n, p in enumerate(payloads)
        ],
    }


def _row(record: dict) -> dict:
    text = base64.b64decode(record["data"]).decode()
    assert text.endswith("\n")
    return json.loads(text)


def test_an_open_comes_out_as_its_campaigns_row_and_a_malformed_record_fails_alone(tenants):
    from functions import olap_transform

    # given a campaign's sent message, a warm-up message, and their opens amid a bad record
    tenant_id, _ = tenants
    sent = stored_message(tenant_id, MAILBOX, to="p@Acme.test", campaign=LINK)
    warm = stored_message(tenant_id, MAILBOX, to="w@peer.test", tags=("warmup",))
    opened, warm_open = _open(tenant_id, sent.message_id), _open(tenant_id, warm.message_id)
    event = _records(json.dumps(opened).encode(), b"not json", json.dumps(warm_open).encode())
    # when Firehose hands the records to the transformation
    reply = olap_transform.handler(event, Context())
    # then the open is its campaign's row, the bad record failed with its data, in order
    first, bad, third = reply["records"]
    assert [r["recordId"] for r in reply["records"]] == ["r0", "r1", "r2"]
    assert (first["result"], bad["result"], third["result"]) == ("Ok", "ProcessingFailed", "Ok")
    assert bad["data"] == event["records"][1]["data"]
    row = _row(first)
    assert {k: row[k] for k in ("campaign_id", "step", "variant", "mailbox_id", "domain_id")} == {
        "campaign_id": LINK.campaign_id,
        "step": 2,
        "variant": "B",
        "mailbox_id": MAILBOX["id"],
        "domain_id": MAILBOX["domain_id"],
    }
    assert (row["recipient_domain"], row["tags"]) == ("acme.test", [])
    assert row["occurred_at"] == f"{DAY} 10:00:00.000"
    assert first["metadata"] == {"partitionKeys": {"tenant_id": tenant_id, "day": DAY}}
    assert _row(third)["tags"] == ["warmup"]


def test_another_tenants_message_id_enriches_nothing(tenants):
    from functions import olap_transform

    # given A's campaign message and an event of B naming its id
    a, b = tenants
    sent = stored_message(a, MAILBOX, to="p@acme.test", campaign=LINK)
    # when B's event is transformed
    reply = olap_transform.handler(_records(json.dumps(_open(b, sent.message_id)).encode()), {})
    # then B's row carries none of A's message
    (record,) = reply["records"]
    row = _row(record)
    assert record["result"] == "Ok" and row["tenant_id"] == b
    assert (row["campaign_id"], row["mailbox_id"], row["recipient_domain"]) == (None, None, None)


def test_an_event_without_its_time_or_tenant_fails(tenants):
    from functions import olap_transform

    tenant_id, _ = tenants
    no_tenant = {**_open(tenant_id, "msg_x"), "tenant_id": ""}
    no_time = {k: v for k, v in _open(tenant_id, "msg_x").items() if k != "occurred_at"}
    reply = olap_transform.handler(
        _records(json.dumps(no_tenant).encode(), json.dumps(no_time).encode(), b"[1]"), Context()
    )
    assert {r["result"] for r in reply["records"]} == {"ProcessingFailed"}
