"""The campaigns bench's world, made through the API and the real services before anything
is measured: an enterprise tenant with a verified Route 53 domain, ``mailboxes`` mailboxes
(SMTP only; nothing is sent, the bench stops at the send queue), one contact list, and an
injected clock (``core.clock``) that starts on a Monday before the sending window opens and
moves only when the bench moves it.

Contacts are created the way an import creates them: ``contacts.directory().upsert_many`` in
chunks of the import worker's size, every contact joining the list; a third of them in
New York, a third in Berlin, a third without a zone (the campaign's zone applies).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.core.clock import OffsetClock

START = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)  # a Monday, 07:00 UTC
IMPORT_CHUNK = 1000  # the import worker's chunk (imports: CHUNK_ROWS)
ZONES = ("America/New_York", "Europe/Berlin", None)


@dataclass
class World:
    client: Any
    key: str
    tenant_id: str
    domain: str
    clock: OffsetClock
    mailbox_ids: list[str] = field(default_factory=list)
    list_id: str = ""
    contact_ids: list[str] = field(default_factory=list)

    def post(self, path: str, body: Any, status: int = 201, key: str | None = None) -> Any:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key or self.key}"}
        raw = None if body is None else json.dumps(body)
        reply = self.client.http.request("POST", path, headers=headers, body=raw)
        if reply.status_code != status:
            raise RuntimeError(f"POST {path}: {reply.status_code} {reply.body[:400]!r}")
        return json.loads(reply.body) if reply.body else None

    def get(self, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self.key}"}
        reply = self.client.http.request("GET", path, headers=headers)
        if reply.status_code != 200:
            raise RuntimeError(f"GET {path}: {reply.status_code} {reply.body[:400]!r}")
        return json.loads(reply.body)


def injected_clock(start: datetime = START) -> OffsetClock:
    """``core.clock`` for every service: ``start`` plus what the bench advances, nothing else."""
    from chalicelib.core import wiring
    from chalicelib.core.clock import OffsetClock
    from tests.fakes.core import FakeClock

    clock = OffsetClock(base=FakeClock(start))
    wiring.override("core.clock", clock)
    return clock


def make_world(client: Any, admin_key: str, mailboxes: int, daily_limit: int) -> World:
    from chalicelib.core import wiring
    from tests.fakes.dns import ZoneDns
    from tests.fakes.probe import FakeProber

    clock = injected_clock()
    wiring.override("domains.dns_lookup", ZoneDns())
    wiring.override("mailboxes.probe", FakeProber())
    world = World(client, admin_key, "", "", clock)
    tenant = {"name": "Campaign bench", "plan": "enterprise", "postal_address": "1 Bench Road"}
    created = world.post("/v1/tenants", tenant)
    world.key, world.tenant_id = created["api_key"]["key"], created["tenant"]["id"]
    world.domain = f"bench{world.tenant_id[-8:].lower()}.test"
    body = {"name": world.domain, "dns_provider": "route53", "server_ips": ["192.0.2.1"]}
    domain = world.post("/v1/domains", body)
    world.post(f"/v1/domains/{domain['id']}/verify", None, status=200)
    server = {"host": "127.0.0.1", "port": 2525, "password": "right"}
    for n in range(mailboxes):
        mailbox = {
            "email": f"sender{n}@{world.domain}",
            "daily_limit": daily_limit,
            "smtp": {**server, "username": f"sender{n}"},
        }
        world.mailbox_ids.append(world.post("/v1/mailboxes", mailbox)["id"])
    world.list_id = world.post("/v1/lists", {"name": "Bench prospects"})["id"]
    return world


def drafts(world: World, start: int, stop: int) -> list[Any]:
    from chalicelib.contacts import ContactDraft

    return [
        ContactDraft(
            email=f"prospect{n}@company{n % 997}.example",
            first_name=f"First{n}",
            last_name=f"Last{n}",
            company=f"Company {n % 997}",
            time_zone=ZONES[n % len(ZONES)],
            lists=(world.list_id,),
        )
        for n in range(start, stop)
    ]


def import_contacts(world: World, count: int, chunk: int = IMPORT_CHUNK) -> int:
    """``count`` contacts through ``upsert_many``; how many it created."""
    from chalicelib import contacts

    directory, created = contacts.directory(), 0
    for start in range(0, count, chunk):
        chunk_drafts = drafts(world, start, min(count, start + chunk))
        outcomes = directory.upsert_many(world.tenant_id, chunk_drafts)
        world.contact_ids += [o.contact_id for o in outcomes]
        created += sum(o.outcome == "created" for o in outcomes)
    return created
