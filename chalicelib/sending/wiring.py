"""Builds the sending feature's adapters and port bundles lazily (cached, typed, overridable
by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.accounts import notify_tenant, tenants
from chalicelib.analytics import EngagementWrites, MessageFactsSource, counters
from chalicelib.aws import clients, secrets
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider
from chalicelib.domains import domain_store
from chalicelib.mailboxes import mailbox_store
from chalicelib.sending.rules.tokens import TokenKeys, load_keys
from chalicelib.templates import template_store

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.sending.ports import (
        BodyStore,
        BreakerStore,
        CooldownStore,
        MessageStore,
        RequestKeys,
        SendQueues,
        SendSlots,
        SoftBounceRuns,
        SuppressionStore,
    )
    from chalicelib.sending.rules.campaigns import CampaignSend, EnqueueOutcome, MailboxCapacity
    from chalicelib.sending.rules.warmup import WarmupOutcome, WarmupSend
    from chalicelib.sending.service.accept import MessagePorts
    from chalicelib.sending.service.campaign import CampaignPorts
    from chalicelib.sending.service.capacity import CapacityPorts
    from chalicelib.sending.service.delivered import DeliveredPorts
    from chalicelib.sending.service.delivery import SendPorts
    from chalicelib.sending.service.unsubscribe import UnsubscribePorts
    from chalicelib.sending.service.warmup import WarmupPorts


@provider("sending.messages")
def messages() -> MessageStore:
    from chalicelib.sending.store import MESSAGES, DynamoMessageRepository

    return DynamoMessageRepository(MESSAGES.bind())


@provider("sending.engagement")
def engagement() -> EngagementWrites:
    """Opens and clicks on their message, written in the event consumer's transaction."""
    from chalicelib.sending.engagement_store import MessageEngagement
    from chalicelib.sending.store import MESSAGES

    return MessageEngagement(MESSAGES.bind())


@provider("sending.message_facts")
def message_facts() -> MessageFactsSource:
    """The facts of messages the analytics counters need (a batch's in one read per 100)."""
    from chalicelib.sending.engagement_store import DynamoMessageFacts
    from chalicelib.sending.store import MESSAGES

    return DynamoMessageFacts(MESSAGES.bind())


@provider("sending.bodies")
def bodies() -> BodyStore:
    from chalicelib.sending.bodies import S3MessageBodies

    return S3MessageBodies(clients.s3(), settings().bucket)


@provider("sending.suppressions")
def suppressions() -> SuppressionStore:
    from chalicelib.sending.suppression_store import SUPPRESSIONS, DynamoSuppressionStore

    return DynamoSuppressionStore(SUPPRESSIONS.bind())


@provider("sending.cooldowns")
def cooldowns() -> CooldownStore:
    from chalicelib.sending.cooldown_store import COOLDOWNS, DynamoCooldowns

    return DynamoCooldowns(COOLDOWNS.bind())


@provider("sending.breakers")
def breakers() -> BreakerStore:
    from chalicelib.sending.breaker_store import BREAKERS, DynamoBreakers

    return DynamoBreakers(BREAKERS.bind())


def server_breakers() -> list[dict[str, Any]]:
    """Every tenant's SMTP-server circuit breakers that are open or half-open (operators)."""
    from chalicelib.sending.service.breakers import report

    return report(breakers(), system_clock().now())


def breaker_health() -> str:
    """The ``breakers`` entry of ``GET /v1/health``: counts, no tenant or server names."""
    from chalicelib.sending.service.breakers import health_detail

    return health_detail(server_breakers())


def _notify_best_effort(tenant_id: str, kind: str, facts: dict[str, str]) -> None:
    """A breaker's notice to the tenant must never fail the send it was found in."""
    from chalicelib.aws import powertools

    try:
        notify_tenant(tenant_id, kind, facts)
    except Exception:  # noqa: BLE001 - logged and counted; the breaker and its event stand
        powertools.logger().exception("BreakerNoticeFailures", extra={"kind": kind})
        powertools.count("BreakerNoticeFailures", 1)


@provider("sending.send_slots")
def send_slots() -> SendSlots:
    from chalicelib.sending.rate_store import SLOTS, DynamoSendSlots

    return DynamoSendSlots(SLOTS.bind())


@provider("sending.soft_bounces")
def soft_bounces() -> SoftBounceRuns:
    from chalicelib.sending.bounce_store import STATE, DynamoSoftBounceRuns

    return DynamoSoftBounceRuns(STATE.bind())


@provider("sending.delivered_ports")
def delivered_ports() -> DeliveredPorts:
    from chalicelib.sending.bounce_store import STATE, DynamoSweepCursor
    from chalicelib.sending.service.delivered import DeliveredPorts
    from chalicelib.sending.store import MESSAGES, DeliveryDueIndex

    return DeliveredPorts(
        messages=messages(),
        due=DeliveryDueIndex(MESSAGES.bind()),
        cursor=DynamoSweepCursor(STATE.bind()),
        soft_bounces=soft_bounces(),
        clock=system_clock(),
    )


@provider("sending.request_keys")
def request_keys() -> RequestKeys:
    from chalicelib.sending.request_keys import REQUEST_KEYS, DynamoRequestKeys

    return DynamoRequestKeys(REQUEST_KEYS.bind(), system_clock())


@provider("sending.queues")
def queues() -> SendQueues:
    from chalicelib.aws.sqs import Queues

    s = settings()
    return Queues(
        clients.sqs(),
        {"priority": s.send_priority_queue_url, "bulk": s.send_bulk_queue_url},
        {"priority": s.send_priority_dlq_url, "bulk": s.send_bulk_dlq_url},
    )


@provider("sending.tracking_keys")
def tracking_keys() -> TokenKeys:
    """The HMAC keys of tracking and unsubscribe tokens, from their secret."""
    return load_keys(secrets.cached().get(settings().tracking_keys_secret))


@provider("sending.message_ports")
def message_ports() -> MessagePorts:
    from chalicelib.sending.service.accept import MessagePorts

    return MessagePorts(
        messages=messages(),
        bodies=bodies(),
        mailboxes=mailbox_store(),
        domains=domain_store(),
        templates=template_store(),
        counters=counters(),
        queue=queues(),
        clock=system_clock(),
    )


@provider("sending.send_ports")
def send_ports() -> SendPorts:
    from chalicelib.sending.mime.compose import builder, identity_factory
    from chalicelib.sending.service.delivery import SendPorts
    from chalicelib.sending.transport import envelope, sender_factory

    s = settings()
    cached = secrets.cached()
    return SendPorts(
        messages=messages(),
        bodies=bodies(),
        tenants=tenants(),
        mailboxes=mailbox_store(),
        domains=domain_store(),
        counters=counters(),
        suppressions=suppressions(),
        soft_bounces=soft_bounces(),
        cooldowns=cooldowns(),
        breakers=breakers(),
        notify=_notify_best_effort,
        queues=queues(),
        slots=send_slots(),
        clock=system_clock(),
        identity=identity_factory(cached, s.secrets_prefix, s.tracking_base_url),
        builder=builder(tracking_keys),
        senders=sender_factory(
            cached, s.smtp_timeout, s.verify_smtp_tls, s.smtp_connections_per_mailbox
        ),
        envelope=envelope,
        retry_scale=s.retry_scale,
        lease_seconds=s.send_lease_seconds,
    )


@provider("sending.unsubscribe_ports")
def unsubscribe_ports() -> UnsubscribePorts:
    from chalicelib.sending.service.unsubscribe import UnsubscribePorts

    return UnsubscribePorts(
        messages=messages(),
        suppressions=suppressions(),
        clock=system_clock(),
    )


@provider("sending.campaign_ports")
def campaign_ports() -> CampaignPorts:
    from chalicelib.sending.service.campaign import CampaignPorts

    return CampaignPorts(
        messages=messages(),
        bodies=bodies(),
        mailboxes=mailbox_store(),
        counters=counters(),
        queue=queues(),
        clock=system_clock(),
    )


def enqueue_campaign(
    tenant_id: str, plan: str, sends: Sequence[CampaignSend]
) -> list[EnqueueOutcome]:
    """Create (once) and enqueue a campaign's messages (``service.campaign.enqueue``)."""
    from chalicelib.sending.service.campaign import enqueue

    return enqueue(campaign_ports(), tenant_id, plan, sends)


@provider("sending.warmup_ports")
def warmup_ports() -> WarmupPorts:
    from chalicelib.sending.service.warmup import WarmupPorts

    return WarmupPorts(
        messages=messages(),
        bodies=bodies(),
        mailboxes=mailbox_store(),
        queue=queues(),
        clock=system_clock(),
    )


def enqueue_warmup(tenant_id: str, sends: Sequence[WarmupSend]) -> list[EnqueueOutcome]:
    """Create (once) and enqueue warm-up mail (``service.warmup.enqueue``)."""
    from chalicelib.sending.service.warmup import enqueue

    return enqueue(warmup_ports(), tenant_id, sends)


def warmup_outcomes(tenant_id: str, message_ids: Sequence[str]) -> dict[str, WarmupOutcome]:
    """What became of warm-up messages, by message id (``service.warmup.outcomes``)."""
    from chalicelib.sending.service.warmup import outcomes

    return outcomes(warmup_ports(), tenant_id, message_ids)


def decode_warmup_token(token: str) -> tuple[str, str] | None:
    """(tenant id, message id) named by a valid, unexpired ``X-PM-Warmup`` token, else None."""
    from chalicelib.sending.rules.tokens import decode_warmup

    now = int(system_clock().now().timestamp())
    return decode_warmup(token, tracking_keys(), now)


@provider("sending.capacity_ports")
def capacity_ports() -> CapacityPorts:
    from chalicelib.sending.service.capacity import CapacityPorts

    return CapacityPorts(
        mailboxes=mailbox_store(),
        counters=counters(),
        breakers=breakers(),
        cooldowns=cooldowns(),
        clock=system_clock(),
        retry_scale=settings().retry_scale,
    )


def mailbox_capacity(
    tenant_id: str, mailbox_ids: Sequence[str], day: str
) -> dict[str, MailboxCapacity]:
    """Each mailbox's room left on ``day`` and its health (``service.capacity``)."""
    from chalicelib.sending.service import capacity

    return capacity.mailbox_capacity(capacity_ports(), tenant_id, mailbox_ids, day)


def is_suppressed(tenant_id: str, address: str) -> bool:
    """On the tenant's or the global list, in clear or hashed."""
    from chalicelib.sending.service import erasure

    return erasure.is_suppressed(suppressions(), tenant_id, address)


def suppressed_among(tenant_id: str, addresses: Sequence[str]) -> set[str]:
    """Those of ``addresses`` (as given) on the tenant's or the global list, in clear or
    hashed; one batch check (BatchGetItems of up to 100 keys)."""
    from chalicelib.sending.service import erasure

    return erasure.suppressed_among(suppressions(), tenant_id, addresses)


def suppress_erased(tenant_id: str, address: str, at: str) -> None:
    """Keep an erased person's address suppressed by its hash only."""
    from chalicelib.sending.service import erasure

    erasure.suppress_erased(suppressions(), tenant_id, address, at)


def breaker_state(tenant_id: str, host: str, port: int) -> str:
    """The state of the circuit breaker of a tenant's SMTP server: ``closed`` (also when it
    never tripped), ``open`` or ``half_open``."""
    from chalicelib.sending.rules.breaker import server_of

    found = breakers().get(tenant_id, server_of(host, port))
    return found.state(system_clock().now().timestamp()) if found else "closed"
