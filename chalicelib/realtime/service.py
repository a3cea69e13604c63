"""The WebSocket connection's use cases: a connection opens, authenticates (a ticket from
``POST /v1/realtime/tickets`` or an API key in its first message), subscribes to topics it
owns, and closes. Each handler takes API Gateway's WebSocket event shape
(``requestContext.connectionId`` / ``routeKey``, ``body``), so the deployed Chalice handlers
and the local platform's WebSocket server call the same code. Replies go through the
``Pusher`` (API Gateway's Management API), like the pushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.core.clock import iso, parse_iso
from chalicelib.realtime import rules
from chalicelib.realtime.ports import Connection, Gone, Ticket

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chalicelib.core.clock import Clock
    from chalicelib.realtime.ports import Connections, Directory, Pusher, Subscriptions, Tickets

OK = {"statusCode": 200}


@dataclass(frozen=True)
class RealtimePorts:
    connections: Connections
    subscriptions: Subscriptions
    tickets: Tickets
    pusher: Pusher
    directory: Directory
    clock: Clock


def handle(ports: RealtimePorts, event: Mapping[str, Any]) -> dict[str, Any]:
    """One API Gateway WebSocket event: ``$connect``, ``$disconnect`` or a message."""
    context = event.get("requestContext") or {}
    connection_id, route = str(context.get("connectionId", "")), context.get("routeKey")
    if route == "$connect":
        connect(ports, connection_id)
    elif route == "$disconnect":
        forget(ports, connection_id)
    else:
        receive(ports, connection_id, event.get("body"))
    return OK


def connect(ports: RealtimePorts, connection_id: str) -> None:
    now = ports.clock.now()
    expires = int((now + timedelta(seconds=rules.CONNECTION_SECONDS)).timestamp())
    ports.connections.open(Connection(connection_id, iso(now), expires, last_seen=iso(now)))


def forget(ports: RealtimePorts, connection_id: str) -> None:
    """Drop a connection and its subscriptions (disconnect, Gone, a refused authentication)."""
    gone = ports.connections.delete(connection_id)
    if gone is not None and gone.tenant_id and gone.topics:
        ports.subscriptions.remove(gone.tenant_id, gone.topics, connection_id)


def receive(ports: RealtimePorts, connection_id: str, body: Any) -> None:
    connection = ports.connections.get(connection_id)
    if connection is None:  # its record expired or was cleaned up: a fresh start
        connect(ports, connection_id)
        connection = ports.connections.get(connection_id)
        assert connection is not None
    action = rules.parse_message(body)
    if isinstance(action, rules.Invalid):
        reply(ports, connection_id, rules.invalid(action))
    elif action.name == "auth":
        _authenticate(ports, connection, action)
    elif not connection.authenticated:
        _unauthenticated(ports, connection)
    elif action.name == "ping":
        reply(ports, connection_id, {"type": "pong"})
    elif action.name == "subscribe":
        _subscribe(ports, connection, str(action.topic))
    else:
        _unsubscribe(ports, connection, str(action.topic))


def reply(ports: RealtimePorts, connection_id: str, message: Mapping[str, Any]) -> bool:
    """Send one message; a closed connection is forgotten (False)."""
    try:
        ports.pusher.post(connection_id, rules.encode(message))
    except Gone:
        forget(ports, connection_id)
        return False
    return True


def refuse(ports: RealtimePorts, connection_id: str, why: str) -> None:
    """Say why, close the connection (4401 locally), forget it."""
    reply(ports, connection_id, rules.error("unauthenticated", why))
    ports.pusher.close(connection_id)
    forget(ports, connection_id)


def enforce_deadline(ports: RealtimePorts, connection_id: str) -> bool:
    """Close a connection still unauthenticated past the deadline (the local server calls
    this 10 s after a connect); whether it was closed."""
    connection = ports.connections.get(connection_id)
    if connection is None or connection.authenticated:
        return False
    refuse(ports, connection_id, f"no authentication within {rules.AUTH_DEADLINE_SECONDS} s")
    return True


def _late(ports: RealtimePorts, connection: Connection) -> bool:
    opened = parse_iso(connection.connected_at)
    return ports.clock.now() - opened > timedelta(seconds=rules.AUTH_DEADLINE_SECONDS)


def _unauthenticated(ports: RealtimePorts, connection: Connection) -> None:
    if _late(ports, connection):  # deployed there is no timer: the next message ends it
        refuse(ports, connection.connection_id, "authenticate first, within 10 s")
        return
    message = 'authenticate first: {"action":"auth","ticket":"..."}'
    reply(ports, connection.connection_id, rules.error("unauthenticated", message))


def _authenticate(ports: RealtimePorts, connection: Connection, action: rules.Action) -> None:
    if connection.authenticated:
        refused = rules.Invalid("action", "this connection is already authenticated")
        reply(ports, connection.connection_id, rules.invalid(refused))
        return
    owner = _ticket_owner(ports, action.ticket) if action.ticket else None
    if action.api_key:
        owner = ports.directory.key_owner(action.api_key)
    if owner is None or _late(ports, connection):
        refuse(ports, connection.connection_id, "the ticket or API key is not valid")
        return
    tenant_id, key_id = owner
    ports.connections.authenticate(
        connection.connection_id, tenant_id, key_id, ports.clock.now_iso()
    )
    reply(ports, connection.connection_id, rules.authenticated(tenant_id))


def _ticket_owner(ports: RealtimePorts, ticket: str) -> tuple[str, str] | None:
    parsed = rules.parse_ticket(ticket)
    if parsed is None:
        return None
    found = ports.tickets.take(*parsed)
    if found is None or found.expires_at <= ports.clock.now().timestamp():
        return None
    return found.tenant_id, found.key_id


def _owned(ports: RealtimePorts, tenant_id: str, topic: str) -> bool:
    kind, ident = rules.parse_topic(topic) or ("", None)
    if kind == "tenant":
        return True
    if ident is None:
        return False
    if kind == "campaign":
        return ports.directory.campaign_exists(tenant_id, ident)
    return kind == "message" and ports.directory.message_exists(tenant_id, ident)


def _subscribe(ports: RealtimePorts, connection: Connection, topic: str) -> None:
    tenant_id = str(connection.tenant_id)
    if not _owned(ports, tenant_id, topic):
        message = f"{topic} is not one of this tenant's"
        reply(ports, connection.connection_id, rules.error("not_found", message, topic=topic))
        return
    ports.subscriptions.add(tenant_id, topic, connection.connection_id, connection.expires_at)
    ports.connections.set_topic(connection.connection_id, topic, True, ports.clock.now_iso())
    reply(ports, connection.connection_id, {"type": "subscribed", "topic": topic})


def _unsubscribe(ports: RealtimePorts, connection: Connection, topic: str) -> None:
    ports.subscriptions.remove(str(connection.tenant_id), [topic], connection.connection_id)
    ports.connections.set_topic(connection.connection_id, topic, False, ports.clock.now_iso())
    reply(ports, connection.connection_id, {"type": "unsubscribed", "topic": topic})


def issue_ticket(ports: RealtimePorts, tenant_id: str, key_id: str) -> tuple[str, str]:
    """A new ticket and when it expires (ISO); only its hash is stored."""
    ticket = rules.new_ticket(tenant_id)
    expires = ports.clock.now() + timedelta(seconds=rules.TICKET_SECONDS)
    parsed = rules.parse_ticket(ticket)
    assert parsed is not None
    ports.tickets.put(parsed[1], Ticket(tenant_id, key_id, int(expires.timestamp())))
    return ticket, iso(expires)
