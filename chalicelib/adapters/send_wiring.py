"""What the send path's ports are made of in production: the sending identity (DKIM key and
SMTP password from Secrets Manager, cached), the message builder, one ``MailboxSender`` per
mailbox and batch, and the SMTP envelope. Built by ``deps.send_ports``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.adapters import message_builder


def identity_factory(secrets: Any, settings: Any) -> Callable[[Any, Any, Any], Any]:
    def identity(tenant: Any, domain: Any, mailbox: Any) -> message_builder.SendingIdentity:
        key = domain.key("active")
        if key is None:
            raise LookupError(f"domain {domain.name} has no active DKIM key")
        name = (
            f"{settings.secrets_prefix}/dkim/{domain.tenant_id}/{domain.domain_id}/{key.selector}"
        )
        return message_builder.SendingIdentity(
            domain_name=domain.name,
            selector=key.selector,
            private_key_pem=secrets.get(name),
            postal_address=tenant.postal_address,
            tracking_base_url=message_builder.tracking_base(
                domain.name, settings.tracking_base_url
            ),
        )

    return identity


def builder(keys: Callable[[], Any]) -> Callable[..., Any]:
    def build(message: Any, sources: Any, identity: Any, now: Any) -> Any:
        return message_builder.build(message, sources, identity, keys(), now)

    return build


def sender_factory(secrets: Any, settings: Any) -> Callable[[Any], Any]:
    def sender(mailbox: Any) -> Any:
        from chalicelib.adapters.smtp import SmtpEndpoint
        from chalicelib.adapters.smtp_sender import MailboxSender

        smtp = mailbox.smtp
        endpoint = SmtpEndpoint(
            host=smtp.host,
            port=smtp.port,
            security=smtp.security,
            username=smtp.username,
            password=secrets.get(smtp.secret_name),
            timeout=settings.smtp_timeout,
            verify_tls=settings.verify_smtp_tls,
        )
        return MailboxSender(endpoint, connections=settings.smtp_connections_per_mailbox)

    return sender


def envelope(built: Any, rcpt: str) -> Any:
    """The SMTP envelope; an IDN recipient's domain goes out as its A-label (punycode), so
    only a non-ASCII local part ever needs SMTPUTF8."""
    from chalicelib.adapters.smtp_sender import Envelope

    return Envelope(built.mail_from, ascii_domain(rcpt), built.data, built.smtputf8)


def ascii_domain(address: str) -> str:
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    return f"{local}@{domain.encode('idna').decode('ascii')}"
