"""Sending: messages and their timelines, suppressions, and the send path (guards, claim,
build, send, record) through the tenants' own SMTP servers. Other features may use what is
listed here."""

from chalicelib.sending.rules.messages import WAITING, Message, StaleWrite, entry, with_status
from chalicelib.sending.rules.suppressions import Suppression, normalise
from chalicelib.sending.rules.tokens import TokenClaims, TokenKeys, load_keys
from chalicelib.sending.rules.tokens import decode as decode_token
from chalicelib.sending.service.delivery import SendBatch
from chalicelib.sending.service.unsubscribe import unsubscribe
from chalicelib.sending.wiring import (
    engagement,
    messages,
    send_ports,
    suppressions,
    tracking_keys,
    unsubscribe_ports,
)

__all__ = [
    "SendBatch",
    "WAITING",
    "Message",
    "StaleWrite",
    "Suppression",
    "TokenClaims",
    "TokenKeys",
    "decode_token",
    "engagement",
    "entry",
    "load_keys",
    "messages",
    "normalise",
    "send_ports",
    "suppressions",
    "tracking_keys",
    "unsubscribe",
    "unsubscribe_ports",
    "with_status",
]
