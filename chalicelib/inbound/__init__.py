"""Inbound: replies, auto-replies, bounces and complaints read from the tenants' mailboxes,
classified, matched to the message they answer and acted on. The inbound functions use what
is listed here."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.inbound.service import process
    from chalicelib.inbound.wiring import inbox_state, queue
    from chalicelib.inbound.wiring import ports as inbound_ports
    from chalicelib.inbound.wiring import sources as inbox_sources
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "process": "chalicelib.inbound.service",
            "inbox_state": "chalicelib.inbound.wiring",
            "queue": "chalicelib.inbound.wiring",
            "inbound_ports": "chalicelib.inbound.wiring:ports",
            "inbox_sources": "chalicelib.inbound.wiring:sources",
        },
    )

__all__ = ["inbound_ports", "inbox_sources", "inbox_state", "process", "queue"]
