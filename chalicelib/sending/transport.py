"""How a built message reaches the tenant's server: one ``MailboxSender`` per mailbox and
batch (the SMTP password from the secret store, cached), and the SMTP envelope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.mail.connection import login_for
from chalicelib.sending.smtp_sender import Envelope, MailboxSender

if TYPE_CHECKING:
    from chalicelib.aws.secrets import SecretReader
    from chalicelib.mailboxes import Mailbox
    from chalicelib.sending.mime.compose import Built
    from chalicelib.sending.ports import SenderFactory


def sender_factory(
    secrets: SecretReader, timeout: float, verify_tls: bool, connections: int
) -> SenderFactory:
    def sender(mailbox: Mailbox) -> MailboxSender:
        smtp = mailbox.smtp
        login = login_for(smtp, secrets.get(smtp.secret_name), timeout, verify_tls)
        return MailboxSender(login, connections=connections)

    return sender


def envelope(built: Built, rcpt: str) -> Envelope:
    """The SMTP envelope; an IDN recipient's domain goes out as its A-label (punycode), so
    only a non-ASCII local part ever needs SMTPUTF8."""
    return Envelope(built.mail_from, ascii_domain(rcpt), built.data, built.smtputf8)


def ascii_domain(address: str) -> str:
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    return f"{local}@{domain.encode('idna').decode('ascii')}"
