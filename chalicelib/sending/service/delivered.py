"""The bounce window (PRODUCT.md "Delivery and bounce window"): a message ``sent`` 72 hours
ago with no bounce becomes ``delivered``, with a ``message.delivered`` event stored with the
change, and the recipient's run of soft bounces ends.

The sweeper reads only the sparse index of ``sent`` messages by the hour they come due,
never the table: from its cursor (the first hour not yet finished) up to the current hour,
in rounds of at most ``LIMIT`` messages per hour shard. An hour before the current one whose
messages are all done moves the cursor past it. The transition is conditional on ``sent``,
so a bounce that won the race keeps the message ``bounced``; a bounce that comes later still
turns a ``delivered`` message ``bounced`` (``inbound``). Without a cursor yet (the first run)
it starts ``FIRST_LOOKBACK`` before now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.core.clock import parse_iso
from chalicelib.sending.rules import messages

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.sending.ports import DueIndex, MessageStore, SoftBounceRuns, SweepCursor

LIMIT = 500  # messages read per index shard and round
ROUNDS = 20  # rounds per hour and run: a backlog is worked off over the next runs
FIRST_LOOKBACK = timedelta(hours=6)
HOUR = "%Y-%m-%dT%H"


@dataclass
class DeliveredPorts:
    messages: MessageStore
    due: DueIndex
    cursor: SweepCursor
    soft_bounces: SoftBounceRuns
    clock: Clock


def sweep(ports: DeliveredPorts) -> int:
    """Mark every message whose bounce window has passed; how many became delivered."""
    now = ports.clock.now()
    until = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    delivered = 0
    for hour in _hours(ports.cursor.get(), now):
        drained = False
        for _ in range(ROUNDS):
            due = ports.due.due(hour, until, LIMIT)
            delivered += sum(_deliver(ports, tenant, message) for tenant, message in due)
            if len(due) < LIMIT:  # fewer than one shard's page: every shard is drained
                drained = True
                break
        if not (drained and hour < now.strftime(HOUR)):
            break
        ports.cursor.advance(_next(hour))
    return delivered


def _hours(cursor: str | None, now: datetime) -> list[str]:
    start = parse_iso(cursor + ":00:00Z") if cursor else now - FIRST_LOOKBACK
    hours, at = [], start.replace(minute=0, second=0, microsecond=0)
    while at <= now:
        hours.append(at.strftime(HOUR))
        at += timedelta(hours=1)
    return hours


def _next(hour: str) -> str:
    return (parse_iso(hour + ":00:00Z") + timedelta(hours=1)).strftime(HOUR)


def _deliver(ports: DeliveredPorts, tenant_id: str, message_id: str) -> bool:
    message = ports.messages.get(tenant_id, message_id)
    if message is None or message.status != "sent":
        return False
    at = ports.clock.now_iso()
    done = messages.deliver(message, at)
    sent_at = messages.sent_at(message)
    accepted = sent_at.strftime("%Y-%m-%dT%H:%M:%SZ") if sent_at else at
    event = messages.status_event(message, "delivered", at, sent_at=accepted)
    try:
        ports.messages.transition(done, ("sent",), message.attempts, events=[event])
    except messages.StaleWrite:
        return False  # bounced (or changed) meanwhile: the bounce wins
    ports.soft_bounces.end(tenant_id, message.to)
    return True
