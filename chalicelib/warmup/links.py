"""The warm-up's adapters to the rest of the platform, through their public surfaces: the
mailboxes feature (status, address, warming, pause, today's target, hand-over) and the send
path warm-up mail goes through (``chalicelib.sending``'s ``enqueue_warmup``,
``warmup_outcomes``, ``warmup_message_id``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from chalicelib import sending
from chalicelib.mailboxes import (
    lower_daily_limit,
    mailbox_store,
    pause_mailbox,
    set_mailbox_warmup,
)
from chalicelib.warmup.ports import WarmupOutcome

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.core.tenancy import TenantContext
    from chalicelib.warmup.ports import WarmupSend


class MailboxLink:
    def status_of(self, ctx: TenantContext, mailbox_id: str) -> str | None:
        mailbox = mailbox_store().get(ctx, mailbox_id)
        return mailbox.status if mailbox else None

    def address_of(self, ctx: TenantContext, mailbox_id: str) -> str | None:
        mailbox = mailbox_store().get(ctx, mailbox_id)
        return mailbox.email if mailbox else None

    def start_warming(self, ctx: TenantContext, mailbox_id: str, plan: str, day_0: str) -> None:
        set_mailbox_warmup(ctx.tenant_id, mailbox_id, plan, day_0)

    def end_warming(self, ctx: TenantContext, mailbox_id: str) -> None:
        set_mailbox_warmup(ctx.tenant_id, mailbox_id, None)

    def pause(self, ctx: TenantContext, mailbox_id: str, reason: str) -> None:
        pause_mailbox(ctx.tenant_id, mailbox_id, "warmup", reason)

    def set_target(self, ctx: TenantContext, mailbox_id: str, target: int) -> None:
        """Only on a warming mailbox (a paused or handed-over one keeps what it has)."""
        mailbox = mailbox_store().get(ctx, mailbox_id)
        if mailbox is None or mailbox.status != "warming" or not mailbox.warmup_plan:
            return
        day_0 = mailbox.warmup_started_on or ""
        set_mailbox_warmup(ctx.tenant_id, mailbox_id, mailbox.warmup_plan, day_0, target=target)

    def hand_over(self, ctx: TenantContext, mailbox_id: str, daily_cap: int) -> None:
        """``active``, and the daily limit lowered to the plan's peak (a tenant's lower limit
        stays: a hand-over never raises what the tenant chose)."""
        set_mailbox_warmup(ctx.tenant_id, mailbox_id, None)
        lower_daily_limit(ctx.tenant_id, mailbox_id, daily_cap)


class SendPathSender:
    """Warm-up mail through the send path (the sending feature's warm-up surface)."""

    def enqueue(self, tenant_id: str, sends: Sequence[WarmupSend]) -> list[str]:
        converted = [sending.WarmupSend(**asdict(send)) for send in sends]
        return [o.message_id for o in sending.enqueue_warmup(tenant_id, converted)]

    def outcomes(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, WarmupOutcome]:
        found = sending.warmup_outcomes(tenant_id, message_ids)
        return {
            mid: WarmupOutcome(o.status, o.settled, o.bounced, o.deferred, o.complained)
            for mid, o in found.items()
        }

    def message_id(self, key: str) -> str:
        return sending.warmup_message_id(key)
