"""GET /v1/inbound: newest first, filtered by type and mailbox, only the caller's own."""

from __future__ import annotations

from chalicelib.inbound.rules.records import InboundMessage


def _stored(tenant_id, n, kind, mailbox_id="mbx_a"):
    from chalicelib.core import wiring

    message = InboundMessage(
        tenant_id=tenant_id,
        inbound_id=f"inb_{n:04d}",
        mailbox_id=mailbox_id,
        received_at=f"2026-11-28T10:00:{n:02d}.000Z",
        kind=kind,
        from_address="someone@example.test",
        subject=f"Re: hello {n}",
        message_id_header=f"<{n}@example.test>",
        raw_key=f"tenant/{tenant_id}/inbound/inb_{n:04d}.eml",
        matched_message_id="msg_abc" if kind != "unknown" else None,
        bounce_type="hard" if kind == "bounce" else None,
        recipients=("lead@example.test",) if kind == "bounce" else (),
        status_codes=("5.1.1",) if kind == "bounce" else (),
    )
    wiring.get("inbound.store")().save(message)
    return message


def test_inbound_lists_newest_first_with_filters_and_isolation(api):
    tenant, key = api.new_tenant("business")
    for n, kind in enumerate(["reply", "bounce", "unknown", "reply"]):
        _stored(tenant["id"], n, kind, "mbx_b" if n == 3 else "mbx_a")
    listed = api.call("GET", "/v1/inbound", key).data["items"]
    assert [i["subject"] for i in listed] == [f"Re: hello {n}" for n in (3, 2, 1, 0)]
    bounce = next(i for i in listed if i["classification"]["type"] == "bounce")
    assert bounce["classification"]["bounce_type"] == "hard"
    assert bounce["classification"]["status_codes"] == ["5.1.1"]
    unknown = next(i for i in listed if i["classification"]["type"] == "unknown")
    assert unknown["classification"]["matched_message_id"] == "unmatched"
    replies = api.call("GET", "/v1/inbound?type=reply", key).data["items"]
    assert len(replies) == 2
    assert len(api.call("GET", "/v1/inbound?mailbox_id=mbx_b", key).data["items"]) == 1
    assert api.call("GET", "/v1/inbound?type=spam", key).status_code == 400
    _, other = api.new_tenant("business")
    assert api.call("GET", "/v1/inbound", other).data["items"] == []
