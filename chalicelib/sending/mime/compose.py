"""From a stored message to signed RFC 5322 bytes: render the recipient's variables, build
the MIME (``mime.build``, which also rewrites links and adds the open pixel when tracking is
on, through ``mime.Tracking``) and sign it with the domain's active DKIM key (``mime.sign``,
RSA through ``cryptography``).

Every email carries one-click unsubscribe headers (signed) and the tenant's postal-address
footer: cold email is bulk mail under Gmail's and Yahoo's sender rules and CAN-SPAM. The
unsubscribe link is a signed token on the tenant's tracking host, never rewritten for clicks.

Warm-up mail (``rules.warmup.is_warmup``) is not: it goes to pool mailboxes, never to a
contact, so it has no tracking, no unsubscribe headers and no footer; it carries its signed
``X-PM-Warmup`` header instead (made here, at send time) and is DKIM-signed like the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domains import Domain, dkim_secret_name
from chalicelib.mail.addresses import bounce_domain, unsubscribe_mailto
from chalicelib.sending.mime import build as mime
from chalicelib.sending.rules import tokens as tracking_tokens
from chalicelib.sending.rules import warmup as warmup_rules
from chalicelib.templates import render_message

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from chalicelib.accounts import Tenant
    from chalicelib.aws.secrets import SecretReader
    from chalicelib.mailboxes import Mailbox
    from chalicelib.sending.ports import Builder, IdentityFactory
    from chalicelib.sending.rules.messages import Message
    from chalicelib.sending.rules.tokens import TokenKeys

TOKEN_LIFETIME_SECONDS = 400 * 24 * 3600


@dataclass(frozen=True)
class SendingIdentity:
    """What the email needs from the tenant, the domain and the mailbox."""

    domain_name: str
    selector: str
    private_key_pem: str
    postal_address: str | None
    tracking_base_url: str  # e.g. https://t.example.com


@dataclass(frozen=True)
class Built:
    data: bytes
    mail_from: str
    smtputf8: bool


def tracking_base(domain_name: str, override: str = "") -> str:
    return override.rstrip("/") if override else f"https://t.{domain_name}"


def render(message: Message, sources: dict[str, Any]) -> dict[str, str | None]:
    return render_message(
        sources["subject"], sources.get("html"), sources.get("text"), message.variables or {}
    )


def build(
    message: Message,
    sources: dict[str, Any],
    identity: SendingIdentity,
    keys: TokenKeys,
    now: datetime,
) -> Built:
    """Raises ``ValueError`` (or a templating error) for an email that cannot be built."""
    if warmup_rules.is_warmup(message):
        return build_warmup(message, sources, identity, keys, now)
    parts = render(message, sources)
    tracking = mime.Tracking(
        base_url=identity.tracking_base_url,
        tenant_id=message.tenant_id,
        keys=keys,
        expires_at=int(now.timestamp()) + TOKEN_LIFETIME_SECONDS,
        opens=message.track_opens,
        clicks=message.track_clicks,
        # The worker builds right before its SMTP transaction: the build time is the send
        # time the tracking verdicts need ("clicked one second after sending").
        sent_at=int(now.timestamp()),
    )
    unsubscribe_token = tracking.token(message.message_id, "unsubscribe")
    unsubscribe_url = f"{identity.tracking_base_url}/u/{unsubscribe_token}"
    email = mime.OutgoingEmail(
        message_id=message.message_id,
        from_address=message.from_address,
        from_name=message.from_name,
        to=message.to,
        subject=str(parts["subject"]),
        html=parts["html"],
        text=parts["text"],
        reply_to=message.reply_to,
        headers=dict(message.headers),
        sending_domain=identity.domain_name,
        bounce_domain=bounce_domain(identity.domain_name),
        unsubscribe_url=unsubscribe_url,
        unsubscribe_mailto=unsubscribe_mailto(message.message_id, identity.domain_name),
        bulk=True,
        postal_address=identity.postal_address,
        tracking=tracking if message.track_clicks or message.track_opens else None,
        in_reply_to=message.in_reply_to,
        references=message.references,
    )
    raw, mail_from, smtputf8 = mime.build(email, now)
    signed = mime.sign(raw, identity.domain_name, identity.selector, identity.private_key_pem)
    return Built(signed, mail_from, smtputf8)


def build_warmup(
    message: Message,
    sources: dict[str, Any],
    identity: SendingIdentity,
    keys: TokenKeys,
    now: datetime,
) -> Built:
    """A warm-up email: as written, untracked, no unsubscribe, its ``X-PM-Warmup`` token."""
    parts = render(message, sources)
    token = tracking_tokens.warmup_token(
        message.tenant_id, message.message_id, keys, int(now.timestamp())
    )
    email = mime.OutgoingEmail(
        message_id=message.message_id,
        from_address=message.from_address,
        from_name=message.from_name,
        to=message.to,
        subject=str(parts["subject"]),
        html=parts["html"],
        text=parts["text"],
        reply_to=message.reply_to,
        headers={**message.headers, warmup_rules.HEADER: token},
        sending_domain=identity.domain_name,
        bounce_domain=bounce_domain(identity.domain_name),
        unsubscribe_url=None,
        unsubscribe_mailto=None,
        bulk=False,
        postal_address=None,
        tracking=None,
        in_reply_to=message.in_reply_to,
        references=message.references,
    )
    raw, mail_from, smtputf8 = mime.build(email, now)
    signed = mime.sign(raw, identity.domain_name, identity.selector, identity.private_key_pem)
    return Built(signed, mail_from, smtputf8)


def identity_factory(
    secrets: SecretReader, secrets_prefix: str, tracking_base_url: str
) -> IdentityFactory:
    """The sending identity of a message: the domain's active DKIM key (from the secret
    store, cached), the tenant's postal address and the tracking host."""

    def identity(tenant: Tenant, domain: Domain, mailbox: Mailbox) -> SendingIdentity:
        key = domain.key("active")
        if key is None:
            raise LookupError(f"domain {domain.name} has no active DKIM key")
        return SendingIdentity(
            domain_name=domain.name,
            selector=key.selector,
            private_key_pem=secrets.get(dkim_secret_name(secrets_prefix, domain, key.selector)),
            postal_address=tenant.postal_address,
            tracking_base_url=tracking_base(domain.name, tracking_base_url),
        )

    return identity


def builder(keys: Callable[[], TokenKeys]) -> Builder:
    """``build`` with the tracking keys read on first use."""

    def build_with_keys(
        message: Message, sources: dict[str, Any], identity: SendingIdentity, now: datetime
    ) -> Built:
        return build(message, sources, identity, keys(), now)

    return build_with_keys
