"""Inbound: replies, auto-replies, bounces and complaints read from the tenants' mailboxes,
classified, matched to the message they answer and acted on. The inbound functions use what
is listed here."""

from chalicelib.inbound.service import process
from chalicelib.inbound.wiring import inbox_state, queue
from chalicelib.inbound.wiring import ports as inbound_ports
from chalicelib.inbound.wiring import sources as inbox_sources

__all__ = ["inbound_ports", "inbox_sources", "inbox_state", "process", "queue"]
