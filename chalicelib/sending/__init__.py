"""Sending: messages and their timelines, suppressions, and the send path (guards, claim,
build, send, record) through the tenants' own SMTP servers. Other features may use what is
listed here (loaded on first use)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.sending.rules.campaigns import (
        CampaignSend,
        EnqueueOutcome,
        MailboxCapacity,
        campaign_message_id,
        rfc_message_id,
    )
    from chalicelib.sending.rules.messages import (
        WAITING,
        CampaignLink,
        Message,
        StaleWrite,
        entry,
        status_event,
        with_status,
    )
    from chalicelib.sending.rules.suppressions import Suppression, normalise
    from chalicelib.sending.rules.tokens import TokenClaims, TokenKeys, load_keys
    from chalicelib.sending.rules.tokens import decode as decode_token
    from chalicelib.sending.service.delivered import sweep as deliver_due
    from chalicelib.sending.service.delivery import SendBatch
    from chalicelib.sending.service.unsubscribe import unsubscribe, unsubscribe_message
    from chalicelib.sending.wiring import (
        breaker_health,
        campaign_ports,
        delivered_ports,
        engagement,
        enqueue_campaign,
        is_suppressed,
        mailbox_capacity,
        message_facts,
        messages,
        send_ports,
        server_breakers,
        soft_bounces,
        suppress_erased,
        suppressed_among,
        suppressions,
        tracking_keys,
        unsubscribe_ports,
    )
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "WAITING": "chalicelib.sending.rules.messages",
            "CampaignLink": "chalicelib.sending.rules.messages",
            "CampaignSend": "chalicelib.sending.rules.campaigns",
            "EnqueueOutcome": "chalicelib.sending.rules.campaigns",
            "MailboxCapacity": "chalicelib.sending.rules.campaigns",
            "campaign_message_id": "chalicelib.sending.rules.campaigns",
            "rfc_message_id": "chalicelib.sending.rules.campaigns",
            "campaign_ports": "chalicelib.sending.wiring",
            "enqueue_campaign": "chalicelib.sending.wiring",
            "is_suppressed": "chalicelib.sending.wiring",
            "mailbox_capacity": "chalicelib.sending.wiring",
            "suppress_erased": "chalicelib.sending.wiring",
            "suppressed_among": "chalicelib.sending.wiring",
            "Message": "chalicelib.sending.rules.messages",
            "StaleWrite": "chalicelib.sending.rules.messages",
            "entry": "chalicelib.sending.rules.messages",
            "with_status": "chalicelib.sending.rules.messages",
            "status_event": "chalicelib.sending.rules.messages",
            "Suppression": "chalicelib.sending.rules.suppressions",
            "normalise": "chalicelib.sending.rules.suppressions",
            "TokenClaims": "chalicelib.sending.rules.tokens",
            "TokenKeys": "chalicelib.sending.rules.tokens",
            "load_keys": "chalicelib.sending.rules.tokens",
            "decode_token": "chalicelib.sending.rules.tokens:decode",
            "SendBatch": "chalicelib.sending.service.delivery",
            "deliver_due": "chalicelib.sending.service.delivered:sweep",
            "delivered_ports": "chalicelib.sending.wiring",
            "breaker_health": "chalicelib.sending.wiring",
            "server_breakers": "chalicelib.sending.wiring",
            "soft_bounces": "chalicelib.sending.wiring",
            "unsubscribe": "chalicelib.sending.service.unsubscribe",
            "unsubscribe_message": "chalicelib.sending.service.unsubscribe",
            "engagement": "chalicelib.sending.wiring",
            "message_facts": "chalicelib.sending.wiring",
            "messages": "chalicelib.sending.wiring",
            "send_ports": "chalicelib.sending.wiring",
            "suppressions": "chalicelib.sending.wiring",
            "tracking_keys": "chalicelib.sending.wiring",
            "unsubscribe_ports": "chalicelib.sending.wiring",
        },
    )

__all__ = [
    "CampaignLink",
    "CampaignSend",
    "EnqueueOutcome",
    "MailboxCapacity",
    "Message",
    "SendBatch",
    "StaleWrite",
    "Suppression",
    "TokenClaims",
    "TokenKeys",
    "WAITING",
    "breaker_health",
    "campaign_message_id",
    "campaign_ports",
    "decode_token",
    "deliver_due",
    "delivered_ports",
    "engagement",
    "enqueue_campaign",
    "entry",
    "is_suppressed",
    "load_keys",
    "mailbox_capacity",
    "message_facts",
    "messages",
    "normalise",
    "rfc_message_id",
    "send_ports",
    "server_breakers",
    "soft_bounces",
    "status_event",
    "suppress_erased",
    "suppressed_among",
    "suppressions",
    "tracking_keys",
    "unsubscribe",
    "unsubscribe_message",
    "unsubscribe_ports",
    "with_status",
]
