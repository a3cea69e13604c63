"""Mailboxes: the sending identities on the tenants' own SMTP servers, their stored server
settings (passwords in the secret store), pauses, live tests and warm-up state. Other
features may use what is listed here."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.mailboxes.rules import POLL_SHARDS, SENDING_STATUSES, Mailbox, ServerSettings
    from chalicelib.mailboxes.wiring import (
        lower_daily_limit,
        pause_mailbox,
        register_mailbox,
        remove_mailbox,
        set_mailbox_warmup,
    )
    from chalicelib.mailboxes.wiring import store as mailbox_store
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "POLL_SHARDS": "chalicelib.mailboxes.rules",
            "SENDING_STATUSES": "chalicelib.mailboxes.rules",
            "Mailbox": "chalicelib.mailboxes.rules",
            "ServerSettings": "chalicelib.mailboxes.rules",
            "mailbox_store": "chalicelib.mailboxes.wiring:store",
            "lower_daily_limit": "chalicelib.mailboxes.wiring",
            "pause_mailbox": "chalicelib.mailboxes.wiring",
            "register_mailbox": "chalicelib.mailboxes.wiring",
            "remove_mailbox": "chalicelib.mailboxes.wiring",
            "set_mailbox_warmup": "chalicelib.mailboxes.wiring",
        },
    )

__all__ = [
    "Mailbox",
    "register_mailbox",
    "remove_mailbox",
    "set_mailbox_warmup",
    "POLL_SHARDS",
    "SENDING_STATUSES",
    "ServerSettings",
    "lower_daily_limit",
    "mailbox_store",
    "pause_mailbox",
]
