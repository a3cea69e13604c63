"""The WebSocket protocol's decisions, pure: what a client message asks for (or why it is
refused), which topics a client may name, which topics an event belongs to, the messages the
server sends, and the tickets' format and hash. No I/O here."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

TICKET_SECONDS = 60  # a ticket's life (single use)
AUTH_DEADLINE_SECONDS = 10  # a connection must authenticate this soon after it opened
CONNECTION_SECONDS = 2 * 3600  # API Gateway's longest WebSocket connection: the records' TTL
CLOSE_UNAUTHENTICATED = 4401  # the close code of a refused or late authentication (locally)
ACTIONS = ("auth", "subscribe", "unsubscribe", "ping")
MAX_BODY = 4096
_TICKET = re.compile(r"^rtk\.(ten_[a-z2-7]{20})\.([A-Za-z0-9_-]{32,64})$")
_ID = re.compile(r"^[a-z]{3}_[A-Za-z0-9]{1,64}$")
TOPIC_KINDS = {"campaign": "cmp_", "message": "msg_"}


@dataclass(frozen=True)
class Action:
    """One valid client message: ``auth`` (with ``ticket`` or ``api_key``), ``subscribe`` /
    ``unsubscribe`` (with ``topic``) or ``ping``."""

    name: str
    ticket: str | None = None
    api_key: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class Invalid:
    """Why a client message is refused (``invalid_message``), naming the field."""

    field: str
    message: str


def parse_message(body: str | bytes | None) -> Action | Invalid:
    if body is None or len(body) > MAX_BODY:
        return Invalid("body", f"a message is a JSON object of at most {MAX_BODY} bytes")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Invalid("body", "the message is not JSON")
    if not isinstance(data, dict):
        return Invalid("body", "the message must be a JSON object")
    name = data.get("action")
    if name not in ACTIONS:
        return Invalid("action", f"action must be one of {', '.join(ACTIONS)}")
    if name == "auth":
        return _auth(data)
    if name in ("subscribe", "unsubscribe"):
        topic = data.get("topic")
        if not isinstance(topic, str) or parse_topic(topic) is None:
            return Invalid("topic", "topic must be tenant, campaign:<cmp_…> or message:<msg_…>")
        return Action(name, topic=topic)
    return Action(name)


def _auth(data: Mapping[str, Any]) -> Action | Invalid:
    ticket, key = data.get("ticket"), data.get("api_key")
    if isinstance(ticket, str) and ticket:
        return Action("auth", ticket=ticket)
    if isinstance(key, str) and key:
        return Action("auth", api_key=key)
    return Invalid("ticket", "auth needs a ticket (or an api_key)")


def parse_topic(topic: str) -> tuple[str, str | None] | None:
    """``tenant`` → (tenant, None); ``campaign:cmp_…`` → (campaign, id); otherwise None."""
    if topic == "tenant":
        return "tenant", None
    kind, sep, ident = topic.partition(":")
    prefix = TOPIC_KINDS.get(kind)
    if not sep or prefix is None or not ident.startswith(prefix) or not _ID.match(ident):
        return None
    return kind, ident


def topics_of(event: Mapping[str, Any], campaign_id: str | None = None) -> list[str]:
    """The topics an event goes to: its tenant's, its campaign's (``campaign_id`` when the
    event does not carry one: opens and clicks), its message's."""
    topics = ["tenant"]
    campaign = event.get("campaign_id") or campaign_id
    if isinstance(campaign, str) and campaign:
        topics.append(f"campaign:{campaign}")
    message = event.get("message_id")
    if isinstance(message, str) and message:
        topics.append(f"message:{message}")
    return topics


# --- tickets ------------------------------------------------------------------------------


def new_ticket(tenant_id: str) -> str:
    """An opaque single-use ticket; only its hash is stored. It names its tenant so the
    lookup is a tenant-led key."""
    return f"rtk.{tenant_id}.{secrets.token_urlsafe(32)}"


def parse_ticket(ticket: str) -> tuple[str, str] | None:
    """(tenant id, the secret's hash), or None for a string that is not a ticket."""
    found = _TICKET.match(ticket)
    if found is None:
        return None
    return found.group(1), ticket_hash(found.group(2))


def ticket_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- what the server sends ----------------------------------------------------------------


def encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), default=str).encode()


def authenticated(tenant_id: str) -> dict[str, Any]:
    return {"type": "authenticated", "tenant_id": tenant_id}


def error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, **extra}


def invalid(refused: Invalid) -> dict[str, Any]:
    return error("invalid_message", refused.message, field=refused.field)


def event_push(topic: str, event: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "event", "topic": topic, "event": dict(event)}


def counters_push(topic: str, counters: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "counters", "topic": topic, "counters": dict(counters)}
