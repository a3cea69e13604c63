"""Builds the mailboxes feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
