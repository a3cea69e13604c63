"""In-memory twins of the send path's stores (messages, bodies, suppressions, cool-downs,
send queues, event batches) and ``memory_send_ports`` that wires them with one verified
domain, one mailbox and one tenant: for unit tests of the send service and the benchmark."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from chalicelib.sending.rules.messages import Message, StaleWrite
from chalicelib.sending.rules.suppressions import GLOBAL_SCOPE, Suppression, normalise


class FakeMessages:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[Message, int]] = {}
        self._lock = threading.Lock()

    def create_many(self, messages: list[Message]) -> None:
        for m in messages:
            self.items[(m.tenant_id, m.message_id)] = (m, 0)

    def get(self, tenant_id: str, message_id: str) -> Message | None:
        found = self.items.get((tenant_id, message_id))
        return found[0] if found else None

    def get_with_lease(self, tenant_id: str, message_id: str) -> tuple[Message, int] | None:
        return self.items.get((tenant_id, message_id))

    def get_many(self, refs: Any) -> dict[tuple[str, str], tuple[Message, int]]:
        return {r: self.items[r] for r in refs if r in self.items}

    def transition(
        self, message: Message, expect_status: Any, expect_attempts: int, lease_until: int = 0
    ) -> None:
        key = (message.tenant_id, message.message_id)
        with self._lock:  # DynamoDB's conditional write is atomic
            stored, _ = self.items[key]
            if stored.status not in tuple(expect_status) or stored.attempts != expect_attempts:
                raise StaleWrite(message.message_id)
            self.items[key] = (message, lease_until)


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
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], Suppression] = {}

    def add(self, tenant_id: str, entry: Suppression) -> bool:
        owner = GLOBAL_SCOPE if entry.scope == "global" else tenant_id
        key = (owner, normalise(entry.address))
        if key in self.entries:
            return False
        self.entries[key] = entry
        return True

    def check(self, pairs: Any) -> dict[tuple[str, str], str]:
        found = {}
        for tenant_id, address in pairs:
            a = normalise(address)
            if (GLOBAL_SCOPE, a) in self.entries:
                found[(tenant_id, a)] = "global"
            elif (tenant_id, a) in self.entries:
                found[(tenant_id, a)] = "tenant"
        return found


class FakeCooldowns:
    def __init__(self) -> None:
        self.until: dict[tuple[str, str, str], int] = {}

    def get(self, tenant_id: str, mailbox_id: str, provider: str) -> int:
        return self.until.get((tenant_id, mailbox_id, provider), 0)

    def set(self, tenant_id: str, mailbox_id: str, provider: str, until: int) -> None:
        self.until[(tenant_id, mailbox_id, provider)] = until


@dataclass
class FakeSendQueues:
    jobs: list[tuple[str, tuple[str, str, int]]] = field(default_factory=list)
    dead_letters: list[tuple[str, tuple[str, str], str]] = field(default_factory=list)

    def enqueue_many(self, queue: str, jobs: list[tuple[str, str, int]]) -> None:
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


class OneOfEach:
    """Repositories that hold one tenant, one verified domain and one mailbox."""

    def __init__(self, tenant: Any, domain: Any, mailbox: Any) -> None:
        self.tenant, self.domain, self.mailbox = tenant, domain, mailbox

    def tenants(self) -> Any:
        outer = self

        class Tenants:
            def get(self, tenant_id: str) -> Any:
                return outer.tenant if tenant_id == outer.tenant.tenant_id else None

        return Tenants()

    def domains(self) -> Any:
        outer = self

        class Domains:
            def get(self, ctx: Any, domain_id: str) -> Any:
                d = outer.domain
                return d if (ctx.tenant_id, domain_id) == (d.tenant_id, d.domain_id) else None

        return Domains()

    def mailboxes(self) -> Any:
        outer = self

        class Mailboxes:
            def get(self, ctx: Any, mailbox_id: str) -> Any:
                m = outer.mailbox
                return m if (ctx.tenant_id, mailbox_id) == (m.tenant_id, m.mailbox_id) else None

        return Mailboxes()


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
    counters: Any
    public_key: str

    def message(
        self, to: str, html: str | None = None, text: str | None = "Hi {{ name }}", **changes: Any
    ) -> Message:
        from dataclasses import replace

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
    from dataclasses import replace

    from chalicelib.accounts.rules.tenants import Tenant
    from chalicelib.domains.dkim_keys import generate_key
    from chalicelib.domains.rules import domains
    from chalicelib.mailboxes import rules as mailboxes
    from chalicelib.sending import transport as send_wiring
    from chalicelib.sending.mime import compose as message_builder
    from chalicelib.sending.rules.tokens import TokenKeys
    from chalicelib.sending.service.delivery import SendPorts
    from tests.fakes.ports import FakeClock, FakeCounters

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
    store, bodies, queues, events = (
        FakeMessages(),
        FakeBodies(),
        FakeSendQueues(),
        FakeEventBatches(),
    )
    suppressions, counters, one = (
        FakeSuppressions(),
        FakeCounters(),
        OneOfEach(tenant, domain, mailbox),
    )
    ports = SendPorts(
        messages=store,
        bodies=bodies,
        tenants=one.tenants(),
        mailboxes=one.mailboxes(),
        domains=one.domains(),
        counters=counters,
        suppressions=suppressions,
        cooldowns=FakeCooldowns(),
        queues=queues,
        events=events,
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
    )
