"""Unsubscribing a recipient: suppress the address for the tenant at once (Gmail and Yahoo
require two days; this takes one request), record who, when and how, and do nothing more
the second time. The recipient asks through a signed token (the one-click POST or the page)
or by mail to the message's unsubscribe address (read by the inbound feature): the same
entry, the same events, only ``how`` differs. The
events are stored with the suppression entry; ``message.unsubscribed`` names the message's
campaign when it has one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.core.events import new_event
from chalicelib.sending.rules.suppressions import Suppression, normalise

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.sending.ports import MessageStore, SuppressionStore
    from chalicelib.sending.rules.tokens import TokenClaims


@dataclass
class UnsubscribePorts:
    messages: MessageStore
    suppressions: SuppressionStore
    clock: Clock


def unsubscribe(ports: UnsubscribePorts, claims: TokenClaims, how: str) -> bool:
    """The token's recipient unsubscribed (``how``: one_click | page)."""
    return unsubscribe_message(ports, claims.tenant_id, claims.message_id, how)


def unsubscribe_message(ports: UnsubscribePorts, tenant_id: str, message_id: str, how: str) -> bool:
    """Suppress the recipient of the tenant's message (``how``: one_click | page | mailto).
    True when the address was suppressed now, False when it already was (or the message is
    gone or another tenant's: there is no address to suppress)."""
    message = ports.messages.get(tenant_id, message_id)
    if message is None:
        return False
    at = ports.clock.now_iso()
    entry = Suppression(
        address=normalise(message.to),
        scope="tenant",
        reason=f"unsubscribed ({how.replace('_', '-')})",
        source="unsubscribe",
        created_at=at,
        actor=f"recipient via message:{message.message_id}",
    )
    events = [
        new_event(
            "message.unsubscribed",
            message.tenant_id,
            at,
            message_id=message.message_id,
            how=how,
            **message.campaign_fields(),
        ),
        new_event(
            "recipient.suppressed",
            message.tenant_id,
            at,
            address=entry.address,
            reason=entry.reason,
            source="unsubscribe",
            message_id=message.message_id,
        ),
    ]
    return ports.suppressions.add(message.tenant_id, entry, events)
