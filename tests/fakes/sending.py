"""In-memory twins of the sending ports (messages, bodies, suppressions, cool-downs, send
queues, request keys, event batches; a store twin's write keeps its events in ``outbox``, as
the real store keeps them in the item) and ``memory_world``, which wires them (with the
accounts, domains and mailboxes twins) around one tenant, one verified domain and one
mailbox: for unit tests of the send service and the benchmark."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.core.events import Event
from chalicelib.core.pagination import Page
from chalicelib.sending.request_keys import (
    LEASE_SECONDS,
    TTL_SECONDS,
    different_body,
    still_running,
)
from chalicelib.sending.rules.breaker import Breaker
from chalicelib.sending.rules.messages import Message, StaleWrite
from chalicelib.sending.rules.suppressions import GLOBAL_SCOPE, Suppression, normalise, scopes
from tests.fakes.accounts import FakeTenants
from tests.fakes.analytics import FakeCounters
from tests.fakes.core import FakeClock, evaluated_page
from tests.fakes.domains import FakeDomains
from tests.fakes.mailboxes import FakeMailboxes


class FakeMessages:
    """``MessageStore``: messages by (tenant id, message id) with their lease. Like the real
    store, ``create_many`` keeps no engagement (the event consumer counts it) and
    ``transition`` writes only status, attempts, timeline and lease, if the stored message
    still has an expected status and attempt (``StaleWrite`` otherwise, or when missing)."""

    def __init__(self, outbox: Any = None) -> None:
        self.items: dict[tuple[str, str], tuple[Message, int]] = {}
        self._lock = threading.Lock()
        self.outbox = outbox if outbox is not None else FakeEventBatches()

    def create_many(self, messages: list[Message], events: Iterable[Event] = ()) -> None:
        for m in messages:
            self.items[(m.tenant_id, m.message_id)] = (replace(m, engagement={}), 0)
        self.outbox.publish_many(list(events))

    def create_new(self, messages: list[Message], events: Iterable[Event] = ()) -> set[str]:
        created: set[str] = set()
        with self._lock:  # each put is conditional on the message not being there
            for m in messages:
                if (m.tenant_id, m.message_id) not in self.items:
                    self.items[(m.tenant_id, m.message_id)] = (replace(m, engagement={}), 0)
                    created.add(m.message_id)
        self.outbox.publish_many([e for e in events if e.get("message_id") in created])
        return created

    def get(self, tenant_id: str, message_id: str) -> Message | None:
        found = self.items.get((tenant_id, message_id))
        return found[0] if found else None

    def get_with_lease(self, tenant_id: str, message_id: str) -> tuple[Message, int] | None:
        return self.items.get((tenant_id, message_id))

    def get_many(
        self, refs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[Message, int]]:
        return {r: self.items[r] for r in dict.fromkeys(refs) if r in self.items}

    def transition(
        self,
        message: Message,
        expect_status: Iterable[str],
        expect_attempts: int,
        lease_until: int = 0,
        events: Iterable[Event] = (),
    ) -> None:
        key = (message.tenant_id, message.message_id)
        with self._lock:  # DynamoDB's conditional write is atomic
            found = self.items.get(key)
            if found is None:
                raise StaleWrite(message.message_id)
            stored, _ = found
            if stored.status not in tuple(expect_status) or stored.attempts != expect_attempts:
                raise StaleWrite(message.message_id)
            written = replace(
                stored,
                status=message.status,
                attempts=message.attempts,
                timeline=tuple(message.timeline),
            )
            self.items[key] = (written, lease_until)
            self.outbox.publish_many(list(events))

    def list(
        self, tenant_id: str, limit: int, token: str | None, filters: dict[str, str]
    ) -> Page[Message]:
        """Newest first; the filters apply to the ``limit`` messages read for the page, so a
        page can hold fewer while ``next_token`` is still set."""
        mine = [m for (t, _), (m, _) in self.items.items() if t == tenant_id]
        return evaluated_page(
            mine, lambda m: m.message_id, limit, token, _matches(filters), newest_first=True
        )


def _matches(filters: dict[str, str]) -> Callable[[Message], bool]:
    def keep(m: Message) -> bool:
        return (
            (not filters.get("status") or m.status == filters["status"])
            and (not filters.get("to") or m.to == filters["to"])
            and (not filters.get("tag") or filters["tag"] in m.tags)
            and (not filters.get("from") or m.from_address.lower() == filters["from"].lower())
        )

    return keep


class FakeBodies:
    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}

    @staticmethod
    def key(tenant_id: str, body_id: str) -> str:
        return f"tenant/{tenant_id}/messages/{body_id}.json"

    def put(self, key: str, body: dict[str, Any]) -> None:
        self.objects[key] = body

    def get(self, key: str) -> dict[str, Any]:
        return self.objects[key]


class FakeSuppressions:
    """``SuppressionStore``: entries by (owner, lower-cased address), the owner a tenant id
    or ``GLOBAL_SCOPE``; the first entry for an address is kept."""

    def __init__(self, outbox: Any = None) -> None:
        self.entries: dict[tuple[str, str], Suppression] = {}
        self.outbox = outbox if outbox is not None else FakeEventBatches()

    def add(self, tenant_id: str, entry: Suppression, events: Iterable[Event] = ()) -> bool:
        owner = GLOBAL_SCOPE if entry.scope == "global" else tenant_id
        address = normalise(entry.address)
        if (owner, address) in self.entries:
            return False
        scope = "global" if owner == GLOBAL_SCOPE else "tenant"
        self.entries[(owner, address)] = replace(entry, address=address, scope=scope)
        self.outbox.publish_many(list(events))
        return True

    def remove(self, tenant_id: str, address: str) -> bool:
        return self.entries.pop((tenant_id, normalise(address)), None) is not None

    def get(self, tenant_id: str, address: str) -> Suppression | None:
        return self.entries.get((tenant_id, normalise(address)))

    def check(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Either key of an address (in clear, or hashed for an erased person)."""
        return scopes({(t, normalise(a)) for t, a in pairs}, set(self.entries))

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Suppression]:
        """One owner's entries in address order (``GLOBAL_SCOPE`` for the global list)."""
        mine = [e for (owner, _), e in self.entries.items() if owner == tenant_id]
        return evaluated_page(mine, lambda e: e.address, limit, token)


class FakeCooldowns:
    def __init__(self) -> None:
        self.until: dict[tuple[str, str, str], int] = {}
        self.batch_reads = 0

    def get(self, tenant_id: str, mailbox_id: str, provider: str) -> int:
        return self.until.get((tenant_id, mailbox_id, provider), 0)

    def get_many(
        self, tenant_id: str, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        self.batch_reads += 1
        found = ((p, self.until.get((tenant_id, *p))) for p in pairs)
        return {p: until for p, until in found if until is not None}

    def set(self, tenant_id: str, mailbox_id: str, provider: str, until: int) -> None:
        self.until[(tenant_id, mailbox_id, provider)] = until


class FakeBreakers:
    """``BreakerStore``: breakers by (tenant id, server) with their version; a write lands
    only over the version it was decided on (atomic, like the conditional write), and keeps
    its events in ``outbox``."""

    def __init__(self, outbox: Any = None) -> None:
        self.items: dict[tuple[str, str], Breaker] = {}
        self.outbox = outbox if outbox is not None else FakeEventBatches()
        self.writes = 0
        self.reads = 0
        self._lock = threading.Lock()

    def get(self, tenant_id: str, server: str) -> Breaker | None:
        self.reads += 1
        return self.items.get((tenant_id, server))

    def put(self, before: Breaker, after: Breaker, events: Iterable[Event] = ()) -> bool:
        key = (after.tenant_id, after.server)
        with self._lock:
            stored = self.items.get(key)
            if (stored.version if stored else 0) != before.version:
                return False
            self.items[key] = replace(after, version=before.version + 1)
            self.writes += 1
            self.outbox.publish_many(list(events))
        return True

    def not_closed(self, limit: int) -> list[Breaker]:
        return [b for b in self.items.values() if b.opens][:limit]


@dataclass
class FakeNotifier:
    """``TenantNotifier``: what was queued for which tenant."""

    sent: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def __call__(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None:
        self.sent.append((tenant_id, kind, dict(facts)))


class FakeRequestKeys:
    """``RequestKeys`` by (tenant id, key): what ran with which body, its reply once done, the
    lease of a request still running, and when the entry expires (by the given clock)."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.entries: dict[tuple[str, str], dict[str, Any]] = {}

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    def begin(self, tenant_id: str, key: str, fingerprint: str) -> tuple[int, Any] | None:
        now, found = self._now(), self.entries.get((tenant_id, key))
        if found is not None and found["expires_at"] >= now:
            if found["fingerprint"] != fingerprint:
                raise different_body()
            if found["reply"] is not None:
                return found["reply"]
            if found["lease_until"] >= now:
                raise still_running()
        self.entries[(tenant_id, key)] = {
            "fingerprint": fingerprint,
            "reply": None,
            "lease_until": now + LEASE_SECONDS,
            "expires_at": now + TTL_SECONDS,
        }
        return None

    def finish(self, tenant_id: str, key: str, fingerprint: str, status: int, body: Any) -> None:
        self.entries[(tenant_id, key)] = {
            "fingerprint": fingerprint,
            "reply": (status, body),
            "lease_until": 0,
            "expires_at": self._now() + TTL_SECONDS,
        }

    def abandon(self, tenant_id: str, key: str) -> None:
        self.entries.pop((tenant_id, key), None)


class FakeSoftBounceRuns:
    """``SoftBounceRuns``: each recipient's run as the set of sources counted in it."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], set[str]] = {}

    def record(self, tenant_id: str, address: str, source_id: str) -> int:
        run = self.runs.setdefault((tenant_id, address.lower()), set())
        run.add(source_id)
        return len(run)

    def end(self, tenant_id: str, address: str) -> None:
        self.runs.pop((tenant_id, address.lower()), None)


class FakeDueIndex:
    """``DueIndex`` over ``FakeMessages``: the sent messages due in an hour by a time,
    oldest first, at most ``limit`` (the real index reads ``limit`` per shard)."""

    def __init__(self, messages: FakeMessages) -> None:
        self.messages = messages
        self.queries = 0

    def due(self, hour: str, until: str, limit: int) -> list[tuple[str, str]]:
        from chalicelib.sending.rules.messages import delivery_due

        self.queries += 1
        found = []
        for (tenant_id, message_id), (message, _) in self.messages.items.items():
            when = delivery_due(message)
            stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else ""
            if stamp[:13] == hour and stamp <= until:
                found.append((stamp, tenant_id, message_id))
        return [(t, m) for _, t, m in sorted(found)[:limit]]


class FakeSweepCursor:
    def __init__(self) -> None:
        self.hour: str | None = None

    def get(self) -> str | None:
        return self.hour

    def advance(self, hour: str) -> None:
        if self.hour is None or self.hour < hour:
            self.hour = hour


class FakeSendSlots:
    """The plan send rate's counters: per tenant and window, what was reserved."""

    def __init__(self) -> None:
        self.windows: dict[tuple[str, int], int] = {}

    def reserve(self, tenant_id: str, window: int, count: int) -> int:
        key = (tenant_id, window)
        self.windows[key] = self.windows.get(key, 0) + count
        return self.windows[key]


@dataclass
class FakeSendQueues:
    jobs: list[tuple[str, tuple[str, str, int]]] = field(default_factory=list)
    dead_letters: list[tuple[str, tuple[str, str], str]] = field(default_factory=list)

    def enqueue_many(
        self, queue: str, jobs: list[tuple[str, str, int]], key: str = "message_id"
    ) -> None:
        self.jobs.extend((queue, j) for j in jobs)

    def dead(self, queue: str, job: tuple[str, str], reason: str) -> None:
        self.dead_letters.append((queue, job, reason))


@dataclass
class FakeEventBatches:
    published: list[dict[str, Any]] = field(default_factory=list)

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        self.published.extend(events)

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)

    def types(self) -> list[str]:
        return [e["type"] for e in self.published]


@dataclass
class World:
    """A tenant that can send: its stores, its message factory, and the ports over them."""

    ports: Any
    tenant: Any
    domain: Any
    mailbox: Any
    messages: FakeMessages
    bodies: FakeBodies
    queues: FakeSendQueues
    events: FakeEventBatches
    suppressions: FakeSuppressions
    counters: FakeCounters
    public_key: str
    soft_bounces: FakeSoftBounceRuns = field(default_factory=FakeSoftBounceRuns)
    slots: FakeSendSlots = field(default_factory=FakeSendSlots)

    def message(
        self, to: str, html: str | None = None, text: str | None = "Hi {{ name }}", **changes: Any
    ) -> Message:
        from chalicelib.core import ids

        body_key = self.bodies.key(self.tenant.tenant_id, ids.new_id("bdy"))
        self.bodies.put(body_key, {"subject": "Hello {{ name }}", "html": html, "text": text})
        message = Message(
            tenant_id=self.tenant.tenant_id,
            message_id=ids.new_sortable_id("msg"),
            status="queued",
            mailbox_id=self.mailbox.mailbox_id,
            domain_id=self.domain.domain_id,
            from_address=self.mailbox.email,
            from_name="Alice",
            to=to,
            reply_to=None,
            headers={},
            tags=(),
            metadata={},
            variables={"name": "Lead"},
            body_key=body_key,
            template_id=None,
            track_opens=True,
            track_clicks=True,
            queue="priority",
            created_at="2026-11-28T12:00:00.000Z",
            timeline=({"status": "queued", "at": "2026-11-28T12:00:00.000Z"},),
        )
        message = replace(message, **changes)
        self.messages.create_many([message])
        return message


def memory_world(senders: Any, clock: Any = None, postal_address: str = "1 Road, Town") -> World:
    """One tenant with a verified domain (a real RSA-2048 DKIM key) and one active mailbox;
    ``senders(mailbox)`` gives the SMTP side (a real ``MailboxSender`` or a twin)."""

    from chalicelib.accounts.rules.tenants import Tenant
    from chalicelib.core.tenancy import system_context
    from chalicelib.domains.dkim_keys import generate_key
    from chalicelib.domains.rules import domains
    from chalicelib.mailboxes import rules as mailboxes
    from chalicelib.sending import transport as send_wiring
    from chalicelib.sending.mime import compose as message_builder
    from chalicelib.sending.rules.tokens import TokenKeys
    from chalicelib.sending.service.delivery import SendPorts

    clock = clock or FakeClock()
    now = clock.now_iso()
    tenant = Tenant(
        "ten_abcdefghijklmnopqrst",
        "T",
        "business",
        "active",
        now,
        now,
        postal_address=postal_address,
    )
    pem, public = generate_key()
    key = domains.DkimKey("pm1", public, "active", now)
    domain = replace(
        domains.new_domain(tenant.tenant_id, "bench.test", "manual", ("127.0.0.1",), (), key, now),
        status="verified",
    )
    smtp = mailboxes.ServerSettings("127.0.0.1", 2525, "starttls", "alice@bench.test", "secret")
    mailbox = mailboxes.new_mailbox(
        tenant.tenant_id,
        "mbx_benchbenchbenchbench",
        "alice@bench.test",
        "Alice",
        domain.domain_id,
        smtp,
        None,
        100_000,
        now,
    )
    keys = TokenKeys({"k1": b"k" * 32}, "k1")
    identity = message_builder.SendingIdentity(
        "bench.test", "pm1", pem, postal_address, "https://t.bench.test"
    )
    events = FakeEventBatches()  # what the stores' writes put in the outbox
    store, bodies, queues = FakeMessages(events), FakeBodies(), FakeSendQueues()
    suppressions, counters = FakeSuppressions(events), FakeCounters()
    soft_bounces, slots = FakeSoftBounceRuns(), FakeSendSlots()
    ctx = system_context(tenant.tenant_id, tenant.plan)
    tenants, domain_store, mailbox_store = FakeTenants(), FakeDomains(), FakeMailboxes()
    tenants.create(tenant)
    domain_store.claim(ctx, domain.name, domain.domain_id)
    domain_store.save(ctx, domain, now)
    mailbox_store.create(ctx, mailbox)
    ports = SendPorts(
        messages=store,
        bodies=bodies,
        tenants=tenants,
        mailboxes=mailbox_store,
        domains=domain_store,
        counters=counters,
        suppressions=suppressions,
        soft_bounces=soft_bounces,
        cooldowns=FakeCooldowns(),
        breakers=FakeBreakers(events),
        notify=FakeNotifier(),
        queues=queues,
        slots=slots,
        clock=clock,
        identity=lambda tenant, domain, mailbox: identity,
        builder=lambda message, sources, ident, when: message_builder.build(
            message, sources, ident, keys, when
        ),
        senders=senders,
        envelope=send_wiring.envelope,
        retry_scale=0.0,
    )
    return World(
        ports,
        tenant,
        domain,
        mailbox,
        store,
        bodies,
        queues,
        events,
        suppressions,
        counters,
        public,
        soft_bounces,
        slots,
    )


def run_batch(world: World, *messages: Message, queue: str = "priority") -> list[str]:
    """One send-worker batch of ``messages`` over ``world``'s ports, as the handler runs it:
    prepare, every job concurrently, close; the outcome of each job in order."""
    import asyncio

    from chalicelib.sending.service.delivery import SendBatch

    batch = SendBatch(world.ports, queue)
    jobs = [(m.tenant_id, m.message_id) for m in messages]
    batch.prepare(jobs)

    async def go() -> list[str]:
        outcomes = await asyncio.gather(*(batch.process(*j) for j in jobs))
        await batch.close()
        return list(outcomes)

    return asyncio.run(go())
