"""In-memory twins of the webhooks ports, and ``webhook_ports`` to build the use cases over
them (a fake clock, a scripted poster, a resolver from a dict)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.core.pagination import Page, decode_token, encode_token
from chalicelib.webhooks.ports import PostResult, QueuedDelivery, Window, position
from chalicelib.webhooks.rules.records import Delivery, Endpoint, ReplayJob
from chalicelib.webhooks.rules.signing import SigningKeys
from chalicelib.webhooks.service import WebhookPorts
from tests.fakes.core import FakeClock


def _page(
    items: builtins.list[Any], key: Any, limit: int, token: str | None, newest_first: bool
) -> Page[Any]:
    """``items`` (already in listing order) from after the token's key, ``limit`` of them."""
    start = decode_token(token, {"sk"})
    if start:
        after = start["sk"]
        items = [i for i in items if (key(i) < after if newest_first else key(i) > after)]
    chosen = items[:limit]
    more = len(items) > limit
    return Page(chosen, encode_token({"sk": key(chosen[-1])}) if more else None)


class FakeEndpoints:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Endpoint] = {}
        self.queries = 0

    def create(self, endpoint: Endpoint) -> None:
        assert (endpoint.tenant_id, endpoint.endpoint_id) not in self.items
        self.items[(endpoint.tenant_id, endpoint.endpoint_id)] = endpoint

    def save(self, endpoint: Endpoint) -> None:
        stored = self.items[(endpoint.tenant_id, endpoint.endpoint_id)]
        self.items[(endpoint.tenant_id, endpoint.endpoint_id)] = replace(
            endpoint, failing_since=stored.failing_since
        )

    def get(self, tenant_id: str, endpoint_id: str) -> Endpoint | None:
        return self.items.get((tenant_id, endpoint_id))

    def _of(self, tenant_id: str) -> builtins.list[Endpoint]:
        return sorted(
            (e for (t, _), e in self.items.items() if t == tenant_id), key=lambda e: e.endpoint_id
        )

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Endpoint]:
        return _page(self._of(tenant_id), lambda e: e.endpoint_id, limit, token, False)

    def all_of(self, tenant_id: str) -> builtins.list[Endpoint]:
        self.queries += 1
        return self._of(tenant_id)

    def delete(self, tenant_id: str, endpoint_id: str) -> None:
        self.items.pop((tenant_id, endpoint_id), None)

    def failed(self, tenant_id: str, endpoint_id: str, at: str) -> Endpoint | None:
        found = self.items.get((tenant_id, endpoint_id))
        if found is None:
            return None
        found = replace(found, failing_since=found.failing_since or at)
        self.items[(tenant_id, endpoint_id)] = found
        return found

    def succeeded(self, tenant_id: str, endpoint_id: str) -> None:
        found = self.items.get((tenant_id, endpoint_id))
        if found is not None:
            self.items[(tenant_id, endpoint_id)] = replace(found, failing_since=None)

    def disable(self, tenant_id: str, endpoint_id: str, reason: str, at: str) -> bool:
        found = self.items.get((tenant_id, endpoint_id))
        if found is None or not found.enabled:
            return False
        self.items[(tenant_id, endpoint_id)] = replace(found, enabled=False, disabled_reason=reason)
        return True


class FakeDeliveries:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], Delivery] = {}

    def create(self, delivery: Delivery) -> Delivery:
        k = (delivery.tenant_id, delivery.endpoint_id, delivery.delivery_id)
        return self.items.setdefault(k, delivery)

    def get(self, tenant_id: str, endpoint_id: str, delivery_id: str) -> Delivery | None:
        return self.items.get((tenant_id, endpoint_id, delivery_id))

    def save(self, delivery: Delivery) -> None:
        self.items[(delivery.tenant_id, delivery.endpoint_id, delivery.delivery_id)] = delivery

    def list(
        self, tenant_id: str, endpoint_id: str, limit: int, token: str | None
    ) -> Page[Delivery]:
        mine = sorted(
            (d for (t, e, _), d in self.items.items() if (t, e) == (tenant_id, endpoint_id)),
            key=lambda d: d.delivery_id,
            reverse=True,
        )
        return _page(mine, lambda d: d.delivery_id, limit, token, True)


class FakeReplayJobs:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], ReplayJob] = {}

    def create(self, job: ReplayJob) -> None:
        self.items[(job.tenant_id, job.endpoint_id, job.job_id)] = job

    def get(self, tenant_id: str, endpoint_id: str, job_id: str) -> ReplayJob | None:
        return self.items.get((tenant_id, endpoint_id, job_id))

    def _put(self, job: ReplayJob, **changes: Any) -> None:
        k = (job.tenant_id, job.endpoint_id, job.job_id)
        self.items[k] = replace(self.items[k], **changes)

    def started(self, job: ReplayJob, total: int, at: str) -> None:
        if self.items[(job.tenant_id, job.endpoint_id, job.job_id)].status == "pending":
            self._put(job, status="running", total=total, updated_at=at)

    def advance(self, job: ReplayJob, cursor: dict[str, str], done: int, at: str) -> bool:
        stored = self.items[(job.tenant_id, job.endpoint_id, job.job_id)]
        if stored.cursor != job.cursor:
            return False
        self._put(job, cursor=cursor, done=stored.done + done, updated_at=at)
        return True

    def finish(self, job: ReplayJob, status: str, total: int, at: str, error: str | None) -> None:
        self._put(job, status=status, total=total, updated_at=at, error=error)


class FakeEventLog:
    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}

    def append(self, events: Any) -> None:
        for e in events:
            self.events[str(e["event_id"])] = dict(e)

    def _in(self, tenant_id: str, window: Window) -> builtins.list[dict[str, Any]]:
        found = [e for e in self.events.values() if e["tenant_id"] == tenant_id and window.takes(e)]
        return sorted(found, key=position)

    def page(
        self, tenant_id: str, window: Window, after: str | None, limit: int
    ) -> builtins.list[dict[str, Any]]:
        return [e for e in self._in(tenant_id, window) if after is None or position(e) > after][
            :limit
        ]

    def count(self, tenant_id: str, window: Window) -> int:
        return len(self._in(tenant_id, window))


class FakeVault:
    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], SigningKeys] = {}

    def put(self, tenant_id: str, endpoint_id: str, keys: SigningKeys) -> None:
        self.keys[(tenant_id, endpoint_id)] = keys

    def read(self, tenant_id: str, endpoint_id: str, version: int) -> SigningKeys:
        return self.keys[(tenant_id, endpoint_id)]

    def delete(self, tenant_id: str, endpoint_id: str) -> None:
        self.keys.pop((tenant_id, endpoint_id), None)


class FakeDeliveryQueue:
    def __init__(self) -> None:
        self.sent: builtins.list[QueuedDelivery] = []
        self._seen: set[str] = set()

    def send(self, deliveries: Any) -> None:
        for d in deliveries:
            if d.dedup not in self._seen:  # FIFO deduplication
                self._seen.add(d.dedup)
                self.sent.append(d)


class FakeReplayQueue:
    def __init__(self) -> None:
        self.steps: builtins.list[tuple[str, str, str]] = []

    def enqueue(self, tenant_id: str, endpoint_id: str, job_id: str) -> None:
        self.steps.append((tenant_id, endpoint_id, job_id))


@dataclass
class ScriptedPoster:
    """Answers each POST with the next status of ``script`` (the last one repeats)."""

    script: builtins.list[int | None] = field(default_factory=lambda: [200])
    posts: builtins.list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        self.posts.append((url, body, headers))
        status = self.script[min(len(self.posts) - 1, len(self.script) - 1)]
        return PostResult(status, 12, None if status else "ConnectionRefusedError")


@dataclass
class DictResolver:
    answers: dict[str, builtins.list[str]] = field(default_factory=dict)

    def addresses(self, host: str) -> builtins.list[str]:
        return self.answers.get(host, [])


class FakeLimiter:
    def __init__(self, per_second: int = 10) -> None:
        self.per_second = per_second
        self.counts: dict[tuple[str, str, int], int] = {}

    def acquire(self, tenant_id: str, endpoint_id: str, now: datetime) -> bool:
        k = (tenant_id, endpoint_id, int(now.timestamp()))
        if self.counts.get(k, 0) >= self.per_second:
            return False
        self.counts[k] = self.counts.get(k, 0) + 1
        return True


@dataclass
class RecordingNotifier:
    sent: builtins.list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def __call__(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None:
        self.sent.append((tenant_id, kind, facts))


def webhook_ports(
    local: bool = False, poster: ScriptedPoster | None = None, clock: FakeClock | None = None
) -> WebhookPorts:
    clock = clock or FakeClock()
    return WebhookPorts(
        endpoints=FakeEndpoints(),
        deliveries=FakeDeliveries(),
        jobs=FakeReplayJobs(),
        log=FakeEventLog(),
        archive=FakeEventLog(),
        vault=FakeVault(),
        queue=FakeDeliveryQueue(),
        replays=FakeReplayQueue(),
        poster=poster or ScriptedPoster(),
        resolver=DictResolver({"hooks.example.com": ["93.184.216.34"]}),
        limiter=FakeLimiter(),
        notify=RecordingNotifier(),
        clock=clock,
        local=local,
        wall=clock,
    )
