"""Builds the inbound feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib import sending
from chalicelib.aws import clients, secrets
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider
from chalicelib.inbound.ports import InboundStore, InboxSource, InboxState, PollQueue
from chalicelib.mailboxes import Mailbox

if TYPE_CHECKING:
    from chalicelib.inbound.service import InboundPorts

SourceFactory = Callable[[Mailbox], InboxSource | None]


@provider("inbound.store")
def store() -> InboundStore:
    from chalicelib.inbound.store import INBOUND, DynamoInboundRepository

    return DynamoInboundRepository(INBOUND.bind())


@provider("inbound.queue")
def queue() -> PollQueue:
    from chalicelib.aws.sqs import Queues

    return Queues(clients.sqs(), {"inbound": settings().inbound_queue_url}, {})


@provider("inbound.inbox_state")
def inbox_state() -> InboxState:
    from chalicelib.inbound.store import STATE, DynamoInboxState

    return DynamoInboxState(STATE.bind())


def _source(mailbox: Mailbox) -> InboxSource | None:
    """IMAP when the mailbox has it; on the local platform, the local SMTP server's inbox
    store; otherwise None (nothing to read)."""
    s = settings()
    if mailbox.imap is not None:
        from chalicelib.inbound.sources import ImapInboxSource
        from chalicelib.mail.connection import login_for

        password = secrets.cached().get(mailbox.imap.secret_name)
        return ImapInboxSource(login_for(mailbox.imap, password, s.smtp_timeout, s.verify_smtp_tls))
    if s.is_local and s.local_inbox_url:
        from chalicelib.inbound.sources import LocalInboxSource

        return LocalInboxSource(s.local_inbox_url, mailbox.email)
    return None


@provider("inbound.sources")
def sources() -> SourceFactory:
    """Where a mailbox's new mail is read from."""
    return _source


def _unsubscribe(tenant_id: str, message_id: str, how: str) -> bool:
    return sending.unsubscribe_message(sending.unsubscribe_ports(), tenant_id, message_id, how)


@provider("inbound.ports")
def ports() -> InboundPorts:
    from chalicelib.inbound.rules.classify import classify
    from chalicelib.inbound.service import InboundPorts
    from chalicelib.inbound.store import S3InboundStore

    return InboundPorts(
        messages=sending.messages(),
        inbound=store(),
        store=S3InboundStore(clients.s3(), settings().bucket),
        suppressions=sending.suppressions(),
        soft_bounces=sending.soft_bounces(),
        clock=system_clock(),
        classify=classify,
        unsubscribe=_unsubscribe,
    )
