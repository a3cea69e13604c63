"""What a recipient's hit does: a token is checked (signed, unexpired, of the route's kind),
an open or click becomes one event on the stream with the human/machine verdict (no
DynamoDB on the hit path), and an unsubscribe suppresses the recipient through the sending
feature. Nothing here raises for what a recipient sends."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.core.events import EventPublisher, new_event
from chalicelib.sending import TokenClaims, decode_token
from chalicelib.tracking.rules import MAX_USER_AGENT, Hit, classify_hit, truncate_ip

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.tracking.ports import FailureReport, KeySource, Unsubscriber


@dataclass
class TrackingPorts:
    keys: KeySource
    events: EventPublisher  # best effort: a failure is logged and counted
    clock: Clock
    unsubscribe: Unsubscriber
    on_key_failure: FailureReport


@dataclass(frozen=True)
class Visitor:
    """Who hit the route: the request's method, user agent and source address."""

    method: str
    user_agent: str
    ip: str


def claims_of(ports: TrackingPorts, token: str, kind: str) -> TokenClaims | None:
    """The claims of a valid token of ``kind``; None for anything else (or no keys)."""
    try:
        keys = ports.keys()
    except Exception:  # noqa: BLE001 - no keys means no valid token; the route still answers
        ports.on_key_failure()
        return None
    claims = decode_token(token, keys, int(time.time()))
    return claims if claims is not None and claims.kind == kind else None


def _hit_fields(claims: TokenClaims, visitor: Visitor) -> dict[str, Any]:
    agent = visitor.user_agent[:MAX_USER_AGENT]
    hit = Hit(
        kind=claims.kind,
        method=visitor.method,
        user_agent=agent,
        ip=visitor.ip,
        at=time.time(),
        sent_at=None,
        link_index=claims.link_index,
    )
    verdict = classify_hit(hit)
    return {
        "message_id": claims.message_id,
        "actor": verdict.actor,
        "reason": verdict.reason,
        "source": verdict.source,
        "user_agent": agent,
        "ip": truncate_ip(visitor.ip),
        "method": hit.method,
    }


def record(
    ports: TrackingPorts, claims: TokenClaims, visitor: Visitor, event_type: str, **extra: Any
) -> None:
    """One ``message.opened`` or ``message.clicked`` event, with the verdict."""
    fields = {**_hit_fields(claims, visitor), **extra}
    fields = {k: v for k, v in fields.items() if v is not None}
    event = new_event(event_type, claims.tenant_id, ports.clock.now_iso(), **fields)
    ports.events.publish(event)


def unsubscribe(ports: TrackingPorts, claims: TokenClaims, one_click: bool) -> bool:
    return ports.unsubscribe(claims, "one_click" if one_click else "page")
