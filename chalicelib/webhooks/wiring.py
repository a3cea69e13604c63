"""Builds the webhooks feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.aws import clients, secrets
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.core.events import Event
    from chalicelib.webhooks.ports import (
        ArchivedEvents,
        DeliveryQueue,
        DeliveryStore,
        EndpointStore,
        EventLog,
        Notifier,
        Poster,
        RateLimiter,
        ReplayJobs,
        ReplayQueue,
        Resolver,
        SecretVault,
    )
    from chalicelib.webhooks.service import WebhookPorts
    from chalicelib.webhooks.service.deliver import Outcome


@provider("webhooks.endpoints")
def endpoints() -> EndpointStore:
    from chalicelib.webhooks.store import WEBHOOKS, DynamoEndpoints

    return DynamoEndpoints(WEBHOOKS.bind())


@provider("webhooks.deliveries")
def deliveries() -> DeliveryStore:
    from chalicelib.webhooks.delivery_store import DynamoDeliveries
    from chalicelib.webhooks.store import WEBHOOKS

    return DynamoDeliveries(WEBHOOKS.bind())


@provider("webhooks.jobs")
def jobs() -> ReplayJobs:
    from chalicelib.webhooks.store import WEBHOOKS, DynamoReplayJobs

    return DynamoReplayJobs(WEBHOOKS.bind())


@provider("webhooks.log")
def log() -> EventLog:
    from chalicelib.webhooks.delivery_store import DynamoEventLog
    from chalicelib.webhooks.store import WEBHOOKS

    return DynamoEventLog(WEBHOOKS.bind())


@provider("webhooks.limiter")
def limiter() -> RateLimiter:
    from chalicelib.webhooks.delivery_store import DynamoRateLimiter
    from chalicelib.webhooks.store import WEBHOOKS

    return DynamoRateLimiter(WEBHOOKS.bind(), settings().webhook_rate_per_second)


@provider("webhooks.archive")
def archive() -> ArchivedEvents:
    from chalicelib.core.wiring import get
    from chalicelib.webhooks.archive import OlapArchive

    # by the registry: ``analytics.queries`` on the package is also a module's name
    return OlapArchive(get("analytics.queries")())


@provider("webhooks.vault")
def vault() -> SecretVault:
    from chalicelib.webhooks.vault import SecretsManagerVault

    return SecretsManagerVault(secrets.writer(), settings().secrets_prefix)


@provider("webhooks.queue")
def queue() -> DeliveryQueue:
    from chalicelib.webhooks.queues import SqsDeliveryQueue

    return SqsDeliveryQueue(clients.sqs(), settings().webhook_deliveries_queue_url)


@provider("webhooks.replays")
def replays() -> ReplayQueue:
    from chalicelib.webhooks.queues import SqsReplayQueue

    return SqsReplayQueue(clients.sqs(), settings().webhook_replays_queue_url)


@provider("webhooks.resolver")
def resolver() -> Resolver:
    from chalicelib.webhooks.http_client import SocketResolver

    return SocketResolver()


@provider("webhooks.poster")
def poster() -> Poster:
    from chalicelib.webhooks.http_client import GuardedPoster

    s = settings()
    return GuardedPoster(resolver(), s.is_local, ca_certs=s.tls_trust_bundle)


def notify_tenant(tenant_id: str, kind: str, facts: dict[str, str]) -> None:
    from chalicelib import accounts

    accounts.notify_tenant(tenant_id, kind, facts)


@provider("webhooks.notifier")
def notifier() -> Notifier:
    return notify_tenant


@provider("webhooks.ports")
def ports() -> WebhookPorts:
    from chalicelib.webhooks.service import WebhookPorts

    s = settings()
    return WebhookPorts(
        endpoints=endpoints(),
        deliveries=deliveries(),
        jobs=jobs(),
        log=log(),
        archive=archive(),
        vault=vault(),
        queue=queue(),
        replays=replays(),
        poster=poster(),
        resolver=resolver(),
        limiter=limiter(),
        notify=notifier(),
        clock=system_clock(),
        local=s.is_local,
        rate_per_second=s.webhook_rate_per_second,
        retry_scale=s.retry_scale,
    )


def dispatch_events(events: list[Event]) -> int:
    """Log a stream batch's events and queue their deliveries (the dispatcher)."""
    from chalicelib.webhooks.service.dispatch import dispatch

    return dispatch(ports(), events)


def deliver(message: dict[str, object]) -> Outcome:
    """Send one queued delivery (the sender)."""
    from chalicelib.webhooks.service.deliver import deliver as send

    return send(ports(), message)


def run_replay_step(tenant_id: str, endpoint_id: str, job_id: str) -> bool:
    """One step of a replay job; queues the next step itself when one is needed."""
    from chalicelib.webhooks.service.replay import run_step

    more = run_step(ports(), tenant_id, endpoint_id, job_id)
    if more:
        ports().replays.enqueue(tenant_id, endpoint_id, job_id)
    return more
