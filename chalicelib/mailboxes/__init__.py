"""Mailboxes: the sending identities on the tenants' own SMTP servers, their stored server
settings (passwords in the secret store), pauses, live tests and warm-up state. Other
features may use what is listed here."""

from chalicelib.mailboxes.rules import (
    POLL_SHARDS,
    SENDING_STATUSES,
    Mailbox,
    ServerSettings,
)
from chalicelib.mailboxes.wiring import store as mailbox_store

__all__ = ["POLL_SHARDS", "SENDING_STATUSES", "Mailbox", "ServerSettings", "mailbox_store"]
