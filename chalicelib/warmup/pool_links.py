"""The pool's adapters to the rest of the platform: who is in the pool (the warm-up store's
pool index), a member's inbox (its IMAP server, or the local platform's inbox), whose a
received message is (the signed ``X-PM-Warmup`` token, checked against the message the
sending feature keeps) and a reply sent through the send path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import sending
from chalicelib.aws import secrets
from chalicelib.core.settings import settings
from chalicelib.core.tenancy import system_context
from chalicelib.mailboxes import mailbox_store
from chalicelib.warmup.pool_store import Received, SenderRef

if TYPE_CHECKING:
    from chalicelib.warmup.content import WarmupReply
    from chalicelib.warmup.inbox import PoolInbox
    from chalicelib.warmup.partners import PoolMember
    from chalicelib.warmup.ports import PoolStore, WarmupStore


class PoolIndex:
    def __init__(self, pool: PoolStore) -> None:
        self._pool = pool

    def members(self) -> list[PoolMember]:
        return self._pool.pool_members()


class MailboxInboxes:
    def inbox(self, member: PoolMember) -> PoolInbox | None:
        mailbox = mailbox_store().get(system_context(member.tenant_id), member.mailbox_id)
        if mailbox is None:
            return None
        s = settings()
        if mailbox.imap is not None:
            from chalicelib.mail.connection import login_for
            from chalicelib.warmup.inbox import ImapPoolInbox

            password = secrets.cached().get(mailbox.imap.secret_name)
            login = login_for(mailbox.imap, password, s.smtp_timeout, s.verify_smtp_tls)
            return ImapPoolInbox(login)
        if s.is_local and s.local_inbox_url:
            from chalicelib.warmup.local_inbox import LocalPoolInbox

            return LocalPoolInbox(s.local_inbox_url, mailbox.email)
        return None


class SignedSenders:
    """A token is ours when its signature holds and it names a warm-up message we sent."""

    def resolve(self, token: str) -> SenderRef | None:
        named = sending.decode_warmup_token(token)
        if named is None:
            return None
        tenant_id, message_id = named
        message = sending.messages().get(tenant_id, message_id)
        if message is None or message.metadata.get("purpose") != "warmup":
            return None
        on = message.metadata.get("warmup_on", "")
        return SenderRef(tenant_id, message.mailbox_id, on, message_id, message.from_address)


class SendPathReplies:
    """A reply is a warm-up message of the replying mailbox (its day is the replier's
    running warm-up day), with an id derived from the original's: sent once."""

    def __init__(self, warmups: WarmupStore) -> None:
        self._warmups = warmups

    def send(self, member: PoolMember, received: Received, reply: WarmupReply) -> None:
        warmup = self._warmups.get(member.tenant_id, member.mailbox_id)
        today = warmup.today if warmup else None
        send = sending.WarmupSend(
            message_id=sending.warmup_message_id(
                f"reply:{member.mailbox_id}:{received.message_id}"
            ),
            mailbox_id=member.mailbox_id,
            to=received.sender.address,
            subject=reply.subject,
            text=reply.text,
            html=None,
            warmup_on=today.on if today else received.received_at[:10],
            warmup_day=today.day if today else 0,
            in_reply_to=reply.in_reply_to,
            references=reply.references,
            reply=True,
        )
        sending.enqueue_warmup(member.tenant_id, [send])
