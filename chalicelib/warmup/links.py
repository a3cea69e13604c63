"""The warm-up's adapters to the rest of the platform: the mailboxes feature and the send
path (through their public surfaces).

``SendPathSender`` and ``MailboxLink.set_target`` call names the sending and mailboxes
features add in issue 15 on other branches (``enqueue_warmup``, ``warmup_outcomes``,
``WarmupSend``, ``warmup_message_id``; ``set_mailbox_warmup(..., target=)``): they are
reached through an untyped handle until those branches are merged, then the integrator
types them (INTEGRATION: replace ``_surface`` with the direct imports)."""

from __future__ import annotations

import importlib
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

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


def _surface(name: str) -> Any:
    """A feature's public surface, untyped (INTEGRATION: see the module docstring)."""
    return importlib.import_module(name)


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
        mailbox = mailbox_store().get(ctx, mailbox_id)
        if mailbox is None or mailbox.status != "warming" or not mailbox.warmup_plan:
            return
        _surface("chalicelib.mailboxes").set_mailbox_warmup(
            ctx.tenant_id,
            mailbox_id,
            mailbox.warmup_plan,
            mailbox.warmup_started_on or "",
            target=target,
        )

    def hand_over(self, ctx: TenantContext, mailbox_id: str, daily_cap: int) -> None:
        """``active``, and the daily limit lowered to the plan's peak (a tenant's lower limit
        stays: a hand-over never raises what the tenant chose)."""
        set_mailbox_warmup(ctx.tenant_id, mailbox_id, None)
        lower_daily_limit(ctx.tenant_id, mailbox_id, daily_cap)


class SendPathSender:
    """Warm-up mail through the send path (``chalicelib.sending``'s warm-up surface)."""

    def enqueue(self, tenant_id: str, sends: Sequence[WarmupSend]) -> list[str]:
        sending = _surface("chalicelib.sending")
        converted = [sending.WarmupSend(**asdict(send)) for send in sends]
        return [str(o.message_id) for o in sending.enqueue_warmup(tenant_id, converted)]

    def outcomes(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, WarmupOutcome]:
        found = _surface("chalicelib.sending").warmup_outcomes(tenant_id, message_ids)
        return {
            str(mid): WarmupOutcome(
                str(o.status),
                bool(o.settled),
                bool(o.bounced),
                bool(o.deferred),
                bool(o.complained),
            )
            for mid, o in found.items()
        }

    def message_id(self, key: str) -> str:
        return str(_surface("chalicelib.sending").warmup_message_id(key))
