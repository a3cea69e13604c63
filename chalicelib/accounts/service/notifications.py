"""The notifier's use case: deliver one queued notification to a tenant, at most once.

Apart from the tenant use cases (``tenants``) so the notifier Lambda loads only this. The
``notification.sent`` event is stored with the completed claim (the outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.accounts.rules import notifications
from chalicelib.core.events import new_event

if TYPE_CHECKING:
    from chalicelib.accounts.ports import MailRelay, NotificationClaims
    from chalicelib.core.clock import Clock

NOTIFICATION_SCOPE = "notification"


@dataclass
class NotifierPorts:
    claims: NotificationClaims
    relay: MailRelay
    clock: Clock
    sender: str  # the From of notifications


def deliver_notification(ports: NotifierPorts, job: dict[str, Any]) -> bool:
    """Send one queued notification at most once: its id is claimed first, so a redelivered
    job that was already sent is skipped (False); a failed send gives the claim back and
    raises, so the queue tries again."""
    tenant_id, notification_id = job["tenant_id"], job["notification_id"]
    if not ports.claims.claim(tenant_id, NOTIFICATION_SCOPE, notification_id):
        return False
    try:
        ports.relay.send(notifications.build_email(job, ports.sender))
    except Exception:
        ports.claims.release(tenant_id, NOTIFICATION_SCOPE, notification_id)
        raise
    event = new_event(
        "notification.sent",
        tenant_id,
        ports.clock.now_iso(),
        notification_id=notification_id,
        kind=job["kind"],
    )
    ports.claims.complete(tenant_id, NOTIFICATION_SCOPE, notification_id, [event])
    return True
