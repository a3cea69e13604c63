"""What a recipient's hit does: a token is checked (signed, unexpired, of the route's kind),
an open or click becomes one event on the stream with the human/machine verdict, and an
unsubscribe suppresses the recipient through the sending feature. Nothing here raises for
what a recipient sends.

The verdict's timing rules read the send time signed inside the token (opens and clicks
within seconds of sending are machines) and, for clicks, the message's recent clicks (every
link clicked within two seconds is a scanner): a click notes itself in one small DynamoDB
item per message, which answers the clicks before it. That store is best effort: when it
fails the failure is reported and the verdict uses its other rules. Opens touch no store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.core.events import EventPublisher, new_event
from chalicelib.sending import TokenClaims, decode_token
from chalicelib.tracking.rules import MAX_USER_AGENT, Hit, classify_hit, truncate_ip

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.tracking.ports import (
        FailureReport,
        KeySource,
        RecentClicks,
        StoreFailure,
        Unsubscriber,
    )


@dataclass
class TrackingPorts:
    keys: KeySource
    events: EventPublisher  # best effort: a failure is logged and counted
    clock: Clock
    unsubscribe: Unsubscriber
    on_key_failure: FailureReport
    recent_clicks: RecentClicks  # best effort: a failure is reported, the verdict falls back
    on_store_failure: StoreFailure


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
    claims = decode_token(token, keys, int(_now(ports)))
    return claims if claims is not None and claims.kind == kind else None


def _now(ports: TrackingPorts) -> float:
    return ports.clock.now().timestamp()


def _clicks_before(ports: TrackingPorts, claims: TokenClaims, at: float) -> list[tuple[int, float]]:
    """The message's clicks before this one (noting this one); none for an open, or when
    the store fails."""
    if claims.kind != "click" or claims.link_index is None:
        return []
    try:
        return ports.recent_clicks.record(
            claims.tenant_id, claims.message_id, claims.link_index, at
        )
    except Exception as exc:  # noqa: BLE001 - best effort: the hit is served either way
        ports.on_store_failure(exc)
        return []


def _hit_fields(ports: TrackingPorts, claims: TokenClaims, visitor: Visitor) -> dict[str, Any]:
    agent = visitor.user_agent[:MAX_USER_AGENT]
    at = _now(ports)
    hit = Hit(
        kind=claims.kind,
        method=visitor.method,
        user_agent=agent,
        ip=visitor.ip,
        at=at,
        sent_at=claims.sent_at,
        link_index=claims.link_index,
    )
    verdict = classify_hit(hit, _clicks_before(ports, claims, at))
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
    fields = {**_hit_fields(ports, claims, visitor), **extra}
    fields = {k: v for k, v in fields.items() if v is not None}
    event = new_event(event_type, claims.tenant_id, ports.clock.now_iso(), **fields)
    ports.events.publish(event)


def unsubscribe(ports: TrackingPorts, claims: TokenClaims, one_click: bool) -> bool:
    return ports.unsubscribe(claims, "one_click" if one_click else "page")
