"""How much more each of a tenant's mailboxes may send on a day, and whether it can send at
all now (for the campaigns scheduler's rotation). The rules are the send path's own: the
daily cap and the sending statuses of the guards (``rules.guards``), the server circuit's
gate (``rules.breaker``) and the provider cool-downs the send path writes; so a mailbox this
calls healthy with room left is one the guards let a message through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from chalicelib.analytics import mailbox_day_period
from chalicelib.core.tenancy import system_context
from chalicelib.sending.rules import breaker as breaker_rules
from chalicelib.sending.rules.campaigns import MailboxCapacity
from chalicelib.sending.rules.delivery import throttling_providers
from chalicelib.sending.rules.guards import daily_cap, mailbox_sends

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.clock import Clock
    from chalicelib.mailboxes import Mailbox
    from chalicelib.sending.ports import BreakerStore, CooldownStore, MailboxReader, UsageCounters
    from chalicelib.sending.rules.breaker import Breaker


@dataclass
class CapacityPorts:
    mailboxes: MailboxReader
    counters: UsageCounters
    breakers: BreakerStore
    cooldowns: CooldownStore
    clock: Clock
    retry_scale: float = 1.0


def mailbox_capacity(
    ports: CapacityPorts, tenant_id: str, mailbox_ids: Sequence[str], day: str
) -> dict[str, MailboxCapacity]:
    """Each mailbox's remaining count for ``day`` (``YYYY-MM-DD``, UTC as the day counters
    are) and its health now; another tenant's or an unknown mailbox has none and is not
    healthy. The cool-downs of all the mailboxes are read in one batch, each server's
    circuit once."""
    ctx = system_context(tenant_id, actor="campaigns")
    on = date.fromisoformat(day)
    mailboxes = {m: ports.mailboxes.get(ctx, m) for m in dict.fromkeys(mailbox_ids)}
    known = [m for m in mailboxes.values() if m is not None]
    pairs = [(m.mailbox_id, p) for m in known for p in throttling_providers()]
    cooldowns = ports.cooldowns.get_many(tenant_id, pairs) if pairs else {}
    breakers: dict[str, Breaker | None] = {}
    found: dict[str, MailboxCapacity] = {}
    for mailbox_id, mailbox in mailboxes.items():
        if mailbox is None:
            found[mailbox_id] = MailboxCapacity(mailbox_id, 0, False, "no such mailbox")
            continue
        reason = _unhealthy(ports, mailbox, cooldowns, breakers)
        found[mailbox_id] = _capacity(ports, mailbox, on, reason)
    return found


def _capacity(
    ports: CapacityPorts, mailbox: Mailbox, on: date, reason: str | None
) -> MailboxCapacity:
    cap = daily_cap(
        mailbox.status,
        mailbox.daily_limit,
        mailbox.warmup_plan,
        mailbox.warmup_day(on),
        mailbox.warmup_target,
    )
    period = mailbox_day_period(mailbox.mailbox_id, on.isoformat())
    sent = ports.counters.read(mailbox.tenant_id, period).get("message_sent", 0)
    return MailboxCapacity(mailbox.mailbox_id, max(0, cap - sent), reason is None, reason)


def _unhealthy(
    ports: CapacityPorts,
    mailbox: Mailbox,
    cooldowns: dict[tuple[str, str], int],
    breakers: dict[str, Breaker | None],
) -> str | None:
    """Why the mailbox cannot send now, or None (``breakers``: each server's, read once)."""
    if not mailbox_sends(mailbox.status):
        return f"the mailbox is {mailbox.status}"
    now = ports.clock.now().timestamp()
    server = breaker_rules.server_of(mailbox.smtp.host, mailbox.smtp.port)
    if server not in breakers:
        breakers[server] = ports.breakers.get(mailbox.tenant_id, server)
    found = breakers[server]
    if found is not None:
        gate = breaker_rules.gate(found, now, ports.retry_scale)
        if gate.kind == "defer":
            return gate.reason
    for provider in throttling_providers():
        if cooldowns.get((mailbox.mailbox_id, provider), 0) > now:
            return f"mailbox cooling down for {provider} after throttling"
    return None
