"""The warm-up's adapters to the rest of the platform: the mailboxes feature (through its
public surface) and the workflow seam.

``PendingWorkflow`` is the seam the daily state machine (``warmup.asl.json``, not built yet)
plugs into: it records nothing and starts nothing, so the API works before the workflow
exists. Its replacement starts one named execution per mailbox and stops it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.mailboxes import mailbox_store, set_mailbox_warmup

if TYPE_CHECKING:
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.warmup.records import Warmup


class MailboxLink:
    def status_of(self, ctx: TenantContext, mailbox_id: str) -> str | None:
        mailbox = mailbox_store().get(ctx, mailbox_id)
        return mailbox.status if mailbox else None

    def start_warming(self, ctx: TenantContext, mailbox_id: str, plan: str, day_0: str) -> None:
        set_mailbox_warmup(ctx.tenant_id, mailbox_id, plan, day_0)

    def end_warming(self, ctx: TenantContext, mailbox_id: str) -> None:
        set_mailbox_warmup(ctx.tenant_id, mailbox_id, None)


class PendingWorkflow:
    def start(self, warmup: Warmup) -> None:
        return None

    def stop(self, warmup: Warmup) -> None:
        return None
