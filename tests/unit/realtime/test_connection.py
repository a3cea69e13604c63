"""The WebSocket handlers over fakes: authentication by ticket (single use, 60 s) or API key,
refusals closing the connection, bad messages answered and the connection kept, subscribing
only to the tenant's own campaigns and messages, and the cleanups (disconnect, Gone)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.core.clock import iso
from chalicelib.realtime import rules
from chalicelib.realtime.service import handle, issue_ticket
from tests.unit.realtime.conftest import OTHER, TENANT, World

C = "conn-1"


def ws(world: World, route: str, body: object = None, connection: str = C) -> None:
    event: dict[str, object] = {"requestContext": {"connectionId": connection, "routeKey": route}}
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    assert handle(world.ports, event) == {"statusCode": 200}


def last(world: World, connection: str = C) -> dict[str, object]:
    return world.pusher.to(connection)[-1]


def authenticated(world: World, connection: str = C) -> None:
    ws(world, "$connect", connection=connection)
    ticket, _ = issue_ticket(world.ports, TENANT, "key_1")
    ws(world, "$default", {"action": "auth", "ticket": ticket}, connection)
    assert last(world, connection) == {"type": "authenticated", "tenant_id": TENANT}


def test_a_ticket_authenticates_once_and_is_stored_hashed(world):
    ticket, expires_at = issue_ticket(world.ports, TENANT, "key_1")
    assert expires_at == iso(world.clock.now() + timedelta(seconds=60))
    assert all(ticket not in str(k) and ticket.split(".")[-1] not in str(k)
               for k in world.tickets.items)  # fmt: skip
    ws(world, "$connect")
    ws(world, "$default", {"action": "auth", "ticket": ticket})
    assert last(world) == {"type": "authenticated", "tenant_id": TENANT}
    assert world.connections.get(C).tenant_id == TENANT
    ws(world, "$connect", connection="conn-2")
    ws(world, "$default", {"action": "auth", "ticket": ticket}, "conn-2")
    assert last(world, "conn-2")["code"] == "unauthenticated"
    assert world.pusher.closed == ["conn-2"] and world.connections.get("conn-2") is None


def test_an_expired_ticket_is_refused(world):
    ticket, _ = issue_ticket(world.ports, TENANT, "key_1")
    world.clock.advance(61)
    ws(world, "$connect")
    ws(world, "$default", {"action": "auth", "ticket": ticket})
    assert world.pusher.closed == [C]


@pytest.mark.parametrize("ticket", ["rtk.nope", "rtk." + TENANT + "." + "x" * 43, "pm_key_mine"])
def test_a_forged_ticket_is_refused(world, ticket):
    ws(world, "$connect")
    ws(world, "$default", {"action": "auth", "ticket": ticket})
    assert last(world)["code"] == "unauthenticated" and world.pusher.closed == [C]


def test_an_api_key_authenticates_and_a_bad_one_closes(world):
    ws(world, "$connect")
    ws(world, "$default", {"action": "auth", "api_key": "pm_key_mine"})
    assert last(world) == {"type": "authenticated", "tenant_id": TENANT}
    ws(world, "$connect", connection="conn-2")
    ws(world, "$default", {"action": "auth", "api_key": "pm_key_wrong"}, "conn-2")
    assert world.pusher.closed == ["conn-2"]


def test_anything_before_auth_is_unauthenticated_and_kept_then_closed_after_10_s(world):
    ws(world, "$connect")
    ws(world, "$default", {"action": "subscribe", "topic": "tenant"})
    assert last(world)["code"] == "unauthenticated" and world.pusher.closed == []
    world.clock.advance(11)
    ws(world, "$default", {"action": "ping"})
    assert world.pusher.closed == [C] and world.connections.get(C) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ("[1]", "body"),
        ({"action": "dance"}, "action"),
        ({"topic": "tenant"}, "action"),
        ({"action": "subscribe"}, "topic"),
        ({"action": "subscribe", "topic": "campaign:"}, "topic"),
        ({"action": "subscribe", "topic": "mailbox:mbx_1"}, "topic"),
        ({"action": "auth"}, "ticket"),
    ],
)
def test_a_bad_message_names_its_field_and_keeps_the_connection(world, body, field):
    authenticated(world)
    ws(world, "$default", body)
    assert last(world)["type"] == "error"
    assert (last(world)["code"], last(world)["field"]) == ("invalid_message", field)
    ws(world, "$default", {"action": "ping"})
    assert last(world) == {"type": "pong"} and world.pusher.closed == []


def test_subscribing_to_another_tenants_campaign_or_message_is_not_found_and_kept(world):
    authenticated(world)
    for topic in ("campaign:cmp_theirs", "message:msg_theirs", "campaign:cmp_nobody"):
        ws(world, "$default", {"action": "subscribe", "topic": topic})
        assert last(world) == {
            "type": "error",
            "code": "not_found",
            "topic": topic,
            "message": f"{topic} is not one of this tenant's",
        }
    assert world.subscriptions.of_tenant(OTHER) == {} and world.pusher.closed == []


def test_subscribe_and_unsubscribe(world):
    authenticated(world)
    for topic in ("tenant", "campaign:cmp_mine", "message:msg_mine"):
        ws(world, "$default", {"action": "subscribe", "topic": topic})
        assert last(world) == {"type": "subscribed", "topic": topic}
    assert set(world.subscriptions.of_tenant(TENANT)) == {
        "tenant",
        "campaign:cmp_mine",
        "message:msg_mine",
    }
    ws(world, "$default", {"action": "unsubscribe", "topic": "campaign:cmp_mine"})
    assert last(world) == {"type": "unsubscribed", "topic": "campaign:cmp_mine"}
    assert "campaign:cmp_mine" not in world.subscriptions.of_tenant(TENANT)
    assert world.connections.get(C).topics == {"tenant", "message:msg_mine"}


def test_disconnect_forgets_the_connection_and_its_subscriptions(world):
    authenticated(world)
    ws(world, "$default", {"action": "subscribe", "topic": "tenant"})
    ws(world, "$disconnect")
    assert world.connections.get(C) is None and world.subscriptions.items == {}


def test_a_reply_to_a_gone_connection_cleans_it_up(world):
    authenticated(world)
    ws(world, "$default", {"action": "subscribe", "topic": "tenant"})
    world.pusher.gone.add(C)
    ws(world, "$default", {"action": "ping"})
    assert world.connections.get(C) is None and world.subscriptions.items == {}


def test_the_deadline_closes_only_unauthenticated_connections(world):
    from chalicelib.realtime.service import enforce_deadline

    authenticated(world)
    ws(world, "$connect", connection="conn-2")
    assert enforce_deadline(world.ports, C) is False
    assert enforce_deadline(world.ports, "conn-2") is True
    assert world.pusher.closed == ["conn-2"]


def test_topics_and_tickets_parse_strictly():
    assert rules.parse_topic("tenant") == ("tenant", None)
    assert rules.parse_topic("campaign:cmp_abc") == ("campaign", "cmp_abc")
    assert rules.parse_topic("campaign:msg_abc") is None
    assert rules.parse_topic("message:msg_a#b") is None
    ticket = rules.new_ticket(TENANT)
    assert rules.parse_ticket(ticket)[0] == TENANT
    assert rules.parse_ticket(ticket + "!") is None
