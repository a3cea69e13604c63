"""Use cases of the webhooks feature, over ports only: endpoints (``endpoints``), the
dispatch of stream events to deliveries (``dispatch``), the sender (``deliver``) and replay
jobs (``replay``). ``WebhookPorts`` is what they all share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.core.clock import SystemClock
from chalicelib.webhooks.rules.retries import RATE_PER_SECOND

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
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


@dataclass
class WebhookPorts:
    endpoints: EndpointStore
    deliveries: DeliveryStore
    jobs: ReplayJobs
    log: EventLog
    archive: ArchivedEvents
    vault: SecretVault
    queue: DeliveryQueue
    replays: ReplayQueue
    poster: Poster
    resolver: Resolver
    limiter: RateLimiter
    notify: Notifier
    clock: Clock
    local: bool  # the local stage: plain HTTP to loopback allowed
    wall: Clock = field(default_factory=SystemClock)  # the signature's ``t`` (receivers' time)
    rate_per_second: int = RATE_PER_SECOND
    retry_scale: float = 1.0  # multiplies the queue delays (the local platform's time scale)
