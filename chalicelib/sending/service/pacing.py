"""The plan send rate in the send worker: before a batch sends anything, each tenant in it
reserves send slots for its messages (one atomic counter write per tenant and batch), and
the messages over the rate go back on their queue with a delay instead of being sent.

Waiting is not an outcome of the message: nothing is written to it (its status, attempts
and timeline stay as they are), it gets a new queue entry and the one it came on is acked.
A crash between the new entry and the ack leaves two queue entries for one message; the
claim (a conditional write, see ``delivery``) already makes a duplicate delivery harmless,
so the message is still sent once. Only messages that could be sent now count: one that is
final, held by another worker, or scheduled later reserves no slot. A reserved slot whose
message a guard then stops is not given back: the rate is a ceiling, never exceeded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.clock import parse_iso
from chalicelib.sending.rules import send_rate
from chalicelib.sending.rules.messages import WAITING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    from chalicelib.sending.ports import SendQueues, SendSlots
    from chalicelib.sending.rules.messages import Message

Ref = tuple[str, str]  # tenant id, message id


def hold_over_rate(
    slots: SendSlots,
    queues: SendQueues,
    queue: str,
    due: Iterable[Message],
    rate_of: Callable[[str], int | None],
    now: datetime,
) -> set[Ref]:
    """Reserve slots for the ``due`` messages, tenant by tenant, re-enqueue those over their
    tenant's rate (``rate_of`` answers None for a tenant that is gone: its messages are left
    to the guards), and return the ones that must not be sent now."""
    window = send_rate.window_of(now.timestamp())
    waits: list[tuple[str, str, int]] = []
    for tenant_id, refs in _by_tenant(due).items():
        rate = rate_of(tenant_id)
        if rate is None:
            continue
        total = slots.reserve(tenant_id, window, len(refs))
        pacing = send_rate.pace(rate, len(refs), total)
        over = refs[pacing.granted :]
        waits.extend((t, m, delay) for (t, m), delay in zip(over, pacing.delays, strict=True))
    if waits:
        queues.enqueue_many(queue, waits)
    return {(t, m) for t, m, _ in waits}


def sendable_now(message: Message, now: datetime) -> bool:
    """A message the worker would try to send now (so it needs a slot)."""
    if message.status not in WAITING:
        return False
    return not message.scheduled_at or parse_iso(message.scheduled_at) <= now


def _by_tenant(messages: Iterable[Message]) -> dict[str, list[Ref]]:
    groups: dict[str, list[Ref]] = {}
    for message in messages:
        refs = groups.setdefault(message.tenant_id, [])
        ref = (message.tenant_id, message.message_id)
        if ref not in refs:
            refs.append(ref)
    return groups
