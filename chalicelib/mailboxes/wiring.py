"""Builds the mailboxes feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.analytics import counters
from chalicelib.aws import dynamodb, secrets
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider
from chalicelib.domains import domain_store

if TYPE_CHECKING:
    from chalicelib.mailboxes.ports import MailboxStore, Prober
    from chalicelib.mailboxes.service import MailboxPorts


@provider("mailboxes.store")
def store() -> MailboxStore:
    from chalicelib.mailboxes.store import DynamoMailboxRepository

    dynamodb.bind_models()
    return DynamoMailboxRepository()


@provider("mailboxes.probe")
def probe() -> Prober:
    from chalicelib.mailboxes.prober import MailboxProber

    return MailboxProber(verify_tls=not settings().is_local)


@provider("mailboxes.ports")
def ports() -> MailboxPorts:
    from chalicelib.mailboxes.service import MailboxPorts

    return MailboxPorts(
        mailboxes=store(),
        domains=domain_store(),
        secrets=secrets.writer(),
        probe=probe(),
        counters=counters(),
        clock=system_clock(),
        secrets_prefix=settings().secrets_prefix,
    )


def pause_mailbox(tenant_id: str, mailbox_id: str, by: str, reason: str) -> str:
    """Pause a mailbox for the platform (``paused_by`` = ``by``): ``paused``,
    ``already_paused`` or ``not_found``."""
    from chalicelib.core.tenancy import system_context
    from chalicelib.mailboxes.service import pause_for

    return pause_for(ports(), system_context(tenant_id, actor=by), mailbox_id, by, reason)


def lower_daily_limit(tenant_id: str, mailbox_id: str, daily_limit: int) -> int | None:
    """Lower a mailbox's daily limit (a throttle; never raises it): the limit now, or None
    when the mailbox is gone."""
    from chalicelib.core.tenancy import system_context
    from chalicelib.mailboxes.service import lower_daily_limit as lower

    return lower(ports(), system_context(tenant_id), mailbox_id, daily_limit)


def set_mailbox_warmup(
    tenant_id: str, mailbox_id: str, plan: str | None, day_0: str = "", target: int | None = None
) -> str:
    """For the warm-up feature: set a mailbox ``warming`` on ``plan`` from ``day_0``
    (YYYY-MM-DD) with today's ``target`` (what campaign sends are capped at, below the daily
    limit; None: the plan's calendar volume), or, with ``plan`` None, take it out of warm-up
    (``active``; a pause stays). ``warming``, ``ended`` or ``not_found``; 409 (Conflict) when
    a paused mailbox would be warmed."""
    from chalicelib.core.tenancy import system_context
    from chalicelib.mailboxes.service import set_warmup

    ctx = system_context(tenant_id, actor="warmup")
    return set_warmup(ports(), ctx, mailbox_id, plan, day_0, target)


def register_mailbox(
    tenant_id: str,
    email: str,
    display_name: str,
    daily_limit: int,
    smtp: dict[str, Any],
    imap: dict[str, Any] | None,
) -> str:
    """Add a mailbox for the platform (provisioning's new servers), with the same checks as
    ``POST /v1/mailboxes``; a mailbox that already exists for ``email`` is returned as is
    (a retried registration never makes two). The mailbox's id."""
    from chalicelib.core.errors import Conflict
    from chalicelib.core.tenancy import system_context
    from chalicelib.mailboxes.schemas import CreateMailbox
    from chalicelib.mailboxes.service import create_mailbox

    ctx = system_context(tenant_id, plan=_plan_of(tenant_id), actor="provisioning")
    body = CreateMailbox.model_validate(
        {
            "email": email,
            "display_name": display_name or None,
            "daily_limit": daily_limit,
            "smtp": smtp,
            "imap": imap,
        }
    )
    try:
        return create_mailbox(ports(), ctx, body).mailbox_id
    except Conflict:
        existing = store().find_by_email(ctx, body.email)
        if existing is None:
            raise
        return existing


def remove_mailbox(tenant_id: str, mailbox_id: str) -> bool:
    """Delete a mailbox for the platform; False when it was already gone."""
    from chalicelib.core.errors import NotFound
    from chalicelib.core.tenancy import system_context
    from chalicelib.mailboxes.service import delete_mailbox

    try:
        delete_mailbox(ports(), system_context(tenant_id, actor="provisioning"), mailbox_id)
    except NotFound:
        return False
    return True


def _plan_of(tenant_id: str) -> str:
    from chalicelib import accounts

    tenant = accounts.tenants().get(tenant_id)
    return tenant.plan if tenant is not None else ""
