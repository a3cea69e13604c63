"""Use cases for mailboxes, written against ports only: add (passwords to the secret store),
read with today's sent count, pause and resume, test for real, delete."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.analytics import mailbox_day_period
from chalicelib.core.errors import NotFound, PlanForbidden
from chalicelib.core.plans import plan_named
from chalicelib.mailboxes import rules as mailboxes
from chalicelib.mailboxes.rules import Mailbox, ServerSettings

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.mailboxes.ports import (
        DomainNames,
        MailboxStore,
        Prober,
        SecretStore,
        UsageCounters,
    )


@dataclass
class MailboxPorts:
    mailboxes: MailboxStore
    domains: DomainNames
    secrets: SecretStore
    probe: Prober
    counters: UsageCounters
    clock: Clock
    secrets_prefix: str


def _server(
    ports: MailboxPorts, ctx: TenantContext, mailbox_id: str, kind: str, given: Any
) -> ServerSettings:
    name = f"{ports.secrets_prefix}/mailbox/{ctx.tenant_id}/{mailbox_id}/{kind}"
    ports.secrets.put(name, given.password)
    return ServerSettings(given.host, given.port, given.security, given.username, name)


def create_mailbox(ports: MailboxPorts, ctx: TenantContext, body: Any) -> Mailbox:
    domain_id = mailboxes.ensure_on_domain(body.email, ports.domains.all_names(ctx))
    allowed = plan_named(ctx.plan).mailboxes
    if allowed is not None and ports.mailboxes.count(ctx) >= allowed:
        raise PlanForbidden(f"plan {ctx.plan} allows {allowed} mailboxes", {"limit": allowed})
    mailbox_id = mailboxes.new_mailbox_id()
    smtp = _server(ports, ctx, mailbox_id, "smtp", body.smtp)
    imap = _server(ports, ctx, mailbox_id, "imap", body.imap) if body.imap else None
    mailbox = mailboxes.new_mailbox(
        ctx.tenant_id,
        mailbox_id,
        body.email,
        body.display_name or "",
        domain_id,
        smtp,
        imap,
        body.daily_limit,
        ports.clock.now_iso(),
    )
    ports.mailboxes.create(ctx, mailbox)
    return mailbox


def find_mailbox(ports: MailboxPorts, ctx: TenantContext, mailbox_id: str) -> Mailbox:
    mailbox = ports.mailboxes.get(ctx, mailbox_id)
    if mailbox is None:
        raise NotFound(f"mailbox {mailbox_id} not found", {"id": mailbox_id})
    return mailbox


def sent_today(ports: MailboxPorts, ctx: TenantContext, mailbox: Mailbox) -> int:
    day = ports.clock.now_iso()[:10]
    counts = ports.counters.read(ctx.tenant_id, mailbox_day_period(mailbox.mailbox_id, day))
    return counts.get("message_sent", 0)


def update_mailbox(
    ports: MailboxPorts, ctx: TenantContext, mailbox_id: str, changes: dict[str, Any], actor: str
) -> Mailbox:
    mailbox = mailboxes.change(
        find_mailbox(ports, ctx, mailbox_id), changes, actor, ports.clock.now_iso()
    )
    ports.mailboxes.save(ctx, mailbox)
    return mailbox


def run_test(ports: MailboxPorts, ctx: TenantContext, mailbox_id: str) -> Mailbox:
    mailbox = find_mailbox(ports, ctx, mailbox_id)
    steps = ports.probe.smtp(mailbox.smtp, ports.secrets.read(mailbox.smtp.secret_name))
    if mailbox.imap and all(s["ok"] for s in steps):
        steps += ports.probe.imap(mailbox.imap, ports.secrets.read(mailbox.imap.secret_name))
    tested = mailboxes.record_test(
        mailbox, steps, all(s["ok"] for s in steps), ports.clock.now_iso()
    )
    ports.mailboxes.save(ctx, tested)
    return tested


def delete_mailbox(ports: MailboxPorts, ctx: TenantContext, mailbox_id: str) -> Mailbox:
    mailbox = find_mailbox(ports, ctx, mailbox_id)
    for server in filter(None, (mailbox.smtp, mailbox.imap)):
        ports.secrets.delete(server.secret_name)
    ports.mailboxes.delete(ctx, mailbox)
    return mailbox


def pause_for(ports: MailboxPorts, ctx: TenantContext, mailbox_id: str, by: str, why: str) -> str:
    """Pause a mailbox on behalf of the platform (``by``: who or what, recorded as
    ``paused_by``): ``paused``, ``already_paused`` or ``not_found``."""
    mailbox = ports.mailboxes.get(ctx, mailbox_id)
    if mailbox is None:
        return "not_found"
    if mailbox.status == "paused":
        return "already_paused"
    changes = {"status": "paused", "reason": why}
    ports.mailboxes.save(ctx, mailboxes.change(mailbox, changes, by, ports.clock.now_iso()))
    return "paused"


def lower_daily_limit(
    ports: MailboxPorts, ctx: TenantContext, mailbox_id: str, daily_limit: int
) -> int | None:
    """Lower a mailbox's daily limit (never raise it): the limit now, None when not found."""
    mailbox = ports.mailboxes.get(ctx, mailbox_id)
    if mailbox is None:
        return None
    if daily_limit < mailbox.daily_limit:
        mailbox = replace(mailbox, daily_limit=daily_limit, updated_at=ports.clock.now_iso())
        ports.mailboxes.save(ctx, mailbox)
    return mailbox.daily_limit


def set_warmup(
    ports: MailboxPorts,
    ctx: TenantContext,
    mailbox_id: str,
    plan: str | None,
    day_0: str,
    target: int | None = None,
) -> str:
    """Put a mailbox in warm-up on ``plan`` from ``day_0`` (YYYY-MM-DD) with today's
    ``target`` volume (None: the plan's), or out of it when ``plan`` is None: ``warming``,
    ``ended`` or ``not_found``."""
    mailbox = ports.mailboxes.get(ctx, mailbox_id)
    if mailbox is None:
        return "not_found"
    now = ports.clock.now_iso()
    if plan is None:
        ports.mailboxes.save(ctx, mailboxes.end_warmup(mailbox, now))
        return "ended"
    if target is not None and (not isinstance(target, int) or target < 0):
        raise ValueError(f"a warm-up target is a count of emails, not {target!r}")
    ports.mailboxes.save(ctx, mailboxes.warm(mailbox, plan, day_0, now, target))
    return "warming"
