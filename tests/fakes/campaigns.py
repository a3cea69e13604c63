"""In-memory twins of the campaigns ports (campaigns, enrolments with their counters and
allocations, and the contacts, sender, mailboxes, templates and plans it uses), and a world
that wires them for the service tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.campaigns.model import ACTIVE, Campaign, Capacity, Enqueued, Enrolment, Outgoing
from chalicelib.campaigns.service.bundle import CampaignPorts
from chalicelib.core.errors import BadRequest
from chalicelib.core.events import Event
from chalicelib.core.pagination import Page, decode_token, encode_token
from tests.fakes.core import FakeClock, sorted_page


class FakeCampaignStore:
    """Campaigns, and the events stored with their changes (``events``: the outbox)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Campaign] = {}
        self.events: list[Event] = []

    def create(self, campaign: Campaign, events: Sequence[Event] = ()) -> None:
        assert (campaign.tenant_id, campaign.campaign_id) not in self.items
        self.items[(campaign.tenant_id, campaign.campaign_id)] = campaign
        self.events += events

    def get(self, tenant_id: str, campaign_id: str) -> Campaign | None:
        return self.items.get((tenant_id, campaign_id))

    def save(self, campaign: Campaign, expect_version: int, events: Sequence[Event] = ()) -> bool:
        key = (campaign.tenant_id, campaign.campaign_id)
        if key not in self.items or self.items[key].version != expect_version:
            return False
        self.items[key] = replace(campaign, version=expect_version + 1)
        self.events += events
        return True

    def raise_reached(self, tenant_id: str, campaign_id: str, position: int) -> None:
        found = self.items.get((tenant_id, campaign_id))
        if found is not None and found.reached < position:
            self.items[(tenant_id, campaign_id)] = replace(
                found, reached=position, version=found.version + 1
            )

    def set_winner(self, tenant_id: str, campaign_id: str, step: int, variant: str) -> bool:
        found = self.items.get((tenant_id, campaign_id))
        if found is None or str(step) in found.winners:
            return False
        winners = {**found.winners, str(step): variant}
        self.items[(tenant_id, campaign_id)] = replace(
            found, winners=winners, version=found.version + 1
        )
        return True

    def delete(self, tenant_id: str, campaign_id: str) -> None:
        self.items.pop((tenant_id, campaign_id), None)

    def active(self, limit: int) -> list[tuple[str, str]]:
        return [k for k, c in self.items.items() if c.status in ("scheduled", "sending")]

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Campaign]:
        mine = [c for (t, _), c in self.items.items() if t == tenant_id]
        return sorted_page(mine, lambda c: c.campaign_id, "sk", limit, token)


class FakeEnrolmentStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], Enrolment] = {}
        self.counters: dict[tuple[str, str], dict[str, int]] = {}
        self.alloc: dict[tuple[str, str], dict[str, int]] = {}
        self.writes = 0

    def _key(self, e: Enrolment) -> tuple[str, str, str]:
        return (e.tenant_id, e.campaign_id, e.enrolment_id)

    def _count(self, e: Enrolment, counts: Mapping[str, int]) -> None:
        bucket = self.counters.setdefault((e.tenant_id, e.campaign_id), {})
        for name, value in counts.items():
            bucket[name] = bucket.get(name, 0) + value

    def get_many(
        self, tenant_id: str, campaign_id: str, ids: Sequence[str]
    ) -> dict[str, Enrolment]:
        found = (self.items.get((tenant_id, campaign_id, i)) for i in ids)
        return {e.enrolment_id: e for e in found if e is not None}

    def add_new(self, enrolments: Sequence[Enrolment]) -> int:
        written = 0
        for e in enrolments:
            if self._key(e) not in self.items:
                self.items[self._key(e)] = e
                self._count(e, {"enrolled": 1, "s1:waiting": 1})
                written += 1
        return written

    def list(
        self, tenant_id: str, campaign_id: str, limit: int, token: str | None
    ) -> Page[Enrolment]:
        mine = [e for (t, c, _), e in self.items.items() if (t, c) == (tenant_id, campaign_id)]
        mine.sort(key=lambda e: (e.shard, e.enrolment_id))
        position = decode_token(token, {"shard", "sk"})
        if position is not None and "sk" not in position:
            raise BadRequest("bad token", {"field": "next_token"})
        if position:
            after = (int(position["shard"]), position["sk"])
            mine = [e for e in mine if (e.shard, e.enrolment_id) > after]
        page, more = mine[:limit], len(mine) > limit
        last = page[-1] if page else None
        token_out = (
            encode_token({"shard": str(last.shard), "sk": last.enrolment_id})
            if more and last
            else None
        )
        return Page(page, token_out)

    def find(self, tenant_id: str, pairs: Sequence[tuple[str, str]]) -> list[Enrolment]:
        found = (self.items.get((tenant_id, c, e)) for c, e in dict.fromkeys(pairs))
        return [e for e in found if e is not None]

    def forget(self, enrolment: Enrolment, counts: Mapping[str, int]) -> bool:
        stored = self.items.get(self._key(enrolment))
        if stored is None or stored.version != enrolment.version:
            return False
        del self.items[self._key(enrolment)]
        self._count(enrolment, counts)
        self.writes += 1
        return True

    def due(
        self, tenant_id: str, campaign_id: str, shard: int, until: str, limit: int
    ) -> list[Enrolment]:
        found = [
            e
            for (t, c, _), e in self.items.items()
            if (t, c) == (tenant_id, campaign_id)
            and e.shard == shard
            and e.status == ACTIVE
            and e.due_at is not None
            and e.due_at <= until
        ]
        return sorted(found, key=lambda e: (str(e.due_at), e.enrolment_id))[:limit]

    def lease(
        self, enrolment: Enrolment, until: int, now: int, mailbox_id: str | None
    ) -> Enrolment | None:
        stored = self.items.get(self._key(enrolment))
        if stored is None or stored.version != enrolment.version or stored.lease_until >= now:
            return None
        leased = replace(
            stored,
            lease_until=until,
            version=stored.version + 1,
            mailbox_id=stored.mailbox_id or mailbox_id,
        )
        self.items[self._key(enrolment)] = leased
        self.writes += 1
        return replace(
            enrolment, lease_until=until, version=leased.version, mailbox_id=leased.mailbox_id
        )

    def advance(self, before: Enrolment, after: Enrolment, counts: Mapping[str, int]) -> bool:
        stored = self.items.get(self._key(before))
        if stored is None or stored.version != before.version:
            return False
        self.items[self._key(before)] = replace(
            after, version=before.version + 1, flags=stored.flags
        )
        self._count(before, counts)
        self.writes += 1
        return True

    def flag(
        self,
        enrolment: Enrolment,
        flags: Sequence[str],
        counts: Mapping[str, int],
        changes: Mapping[str, Any],
    ) -> bool:
        stored = self.items.get(self._key(enrolment))
        if stored is None or any(f in stored.flags for f in flags):
            return False
        if changes and stored.version != enrolment.version:
            return False
        changed = replace(stored, **changes, flags=stored.flags | frozenset(flags))
        if changes:
            changed = replace(changed, version=stored.version + 1)
        self.items[self._key(enrolment)] = changed
        self._count(enrolment, counts)
        return True

    def progress(self, tenant_id: str, campaign_id: str) -> dict[str, int]:
        return dict(self.counters.get((tenant_id, campaign_id), {}))

    def allocations(self, tenant_id: str, day: str) -> dict[str, int]:
        return dict(self.alloc.get((tenant_id, day), {}))

    def allocate(self, tenant_id: str, day: str, counts: Mapping[str, int]) -> None:
        bucket = self.alloc.setdefault((tenant_id, day), {})
        for name, value in counts.items():
            bucket[name] = bucket.get(name, 0) + value


@dataclass(frozen=True)
class FakeContact:
    tenant_id: str
    contact_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    time_zone: str | None = None
    status: str = "active"
    fields: dict[str, Any] = field(default_factory=dict)

    def variables(self) -> dict[str, Any]:
        base = {
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company": self.company,
            "time_zone": self.time_zone,
        }
        return base | self.fields


class FakeContacts:
    def __init__(self) -> None:
        self.contacts: dict[tuple[str, str], FakeContact] = {}
        self.lists: dict[tuple[str, str], list[str]] = {}
        self.fields: dict[str, dict[str, str]] = {}
        self.statuses: list[tuple[str, str, str]] = []

    def add(self, tenant_id: str, n: int, **extra: Any) -> list[FakeContact]:
        made = []
        for _ in range(n):
            index = len(self.contacts)
            contact = FakeContact(
                tenant_id, f"ctc_{index:020d}", f"person{index}@example.test", **extra
            )
            self.contacts[(tenant_id, contact.contact_id)] = contact
            made.append(contact)
        return made

    def get_many(self, tenant_id: str, contact_ids: Sequence[str]) -> dict[str, Any]:
        found = (self.contacts.get((tenant_id, c)) for c in contact_ids)
        return {c.contact_id: c for c in found if c is not None}

    def list_exists(self, tenant_id: str, list_id: str) -> bool:
        return (tenant_id, list_id) in self.lists

    def list_members(
        self, tenant_id: str, list_id: str, limit: int, token: str | None
    ) -> tuple[list[str], str | None]:
        members = self.lists[(tenant_id, list_id)]
        start = int(token or 0)
        end = start + limit
        return members[start:end], (str(end) if end < len(members) else None)

    def set_status(
        self, tenant_id: str, contact_id: str, status: str, reason: str, at: str
    ) -> bool:
        found = self.contacts.get((tenant_id, contact_id))
        if found is None or found.status != "active":
            return False
        self.contacts[(tenant_id, contact_id)] = replace(found, status=status)
        self.statuses.append((contact_id, status, reason))
        return True

    def field_types(self, tenant_id: str) -> dict[str, str]:
        return dict(self.fields.get(tenant_id, {}))


class FakeSender:
    """Enqueues by message id (a second enqueue of one id creates nothing), capacity per
    mailbox as the test sets it, suppressed addresses as listed."""

    def __init__(self) -> None:
        self.sent: dict[str, Outgoing] = {}
        self.calls: list[list[Outgoing]] = []
        self.remaining: dict[str, int] = {}
        self.unhealthy: set[str] = set()
        self.suppressed: set[str] = set()
        self.suppression_checks: list[list[str]] = []  # the addresses of each look-up
        self.capacity_reads = 0

    def enqueue(self, tenant_id: str, plan: str, sends: Sequence[Outgoing]) -> list[Enqueued]:
        self.calls.append(list(sends))
        outcomes = []
        for send in sends:
            created = send.message_id not in self.sent
            self.sent.setdefault(send.message_id, send)
            outcomes.append(Enqueued(send.message_id, created, "queued"))
        return outcomes

    def message_id(self, enrolment_id: str, step: int) -> str:
        digest = hashlib.sha256(f"{enrolment_id}:{step}".encode()).hexdigest()[:20]
        return f"msg_{digest}"

    def rfc_message_id(self, message_id: str, from_address: str) -> str:
        return f"<{message_id}@{from_address.partition('@')[2]}>"

    def capacity(self, tenant_id: str, mailbox_ids: Sequence[str], day: str) -> dict[str, Capacity]:
        self.capacity_reads += 1
        return {
            m: Capacity(m, self.remaining.get(m, 100), m not in self.unhealthy, None)
            for m in mailbox_ids
        }

    def suppressed_among(self, tenant_id: str, addresses: Sequence[str]) -> set[str]:
        self.suppression_checks.append(list(addresses))
        return {a for a in addresses if a in self.suppressed}

    def message_campaign(self, tenant_id: str, message_id: str) -> dict[str, Any] | None:
        send = self.sent.get(message_id)
        if send is None:
            return None
        link = send.campaign
        return {
            "campaign_id": link.campaign_id,
            "enrolment_id": link.enrolment_id,
            "contact_id": link.contact_id,
            "step": link.step,
            "variant": link.variant,
        }


class FakeMailboxes:
    def __init__(self) -> None:
        self.mailboxes: dict[tuple[str, str], str] = {}

    def addresses(self, tenant_id: str, mailbox_ids: Iterable[str]) -> dict[str, str]:
        return {
            m: self.mailboxes[(tenant_id, m)]
            for m in mailbox_ids
            if (tenant_id, m) in self.mailboxes
        }


class FakeTemplates:
    def __init__(self) -> None:
        self.templates: dict[tuple[str, str], dict[str, Any]] = {}

    def sources(self, tenant_id: str, template_id: str) -> dict[str, Any] | None:
        return self.templates.get((tenant_id, template_id))


class FakePlans:
    def plan_of(self, tenant_id: str) -> str | None:
        return "business"


@dataclass
class World:
    ports: CampaignPorts
    campaigns: FakeCampaignStore
    enrolments: FakeEnrolmentStore
    contacts: FakeContacts
    sender: FakeSender
    mailboxes: FakeMailboxes
    templates: FakeTemplates
    clock: FakeClock


def world(clock: FakeClock | None = None) -> World:
    parts = (
        FakeCampaignStore(),
        FakeEnrolmentStore(),
        FakeContacts(),
        FakeSender(),
        FakeMailboxes(),
        FakeTemplates(),
    )
    moment = clock or FakeClock()
    ports = CampaignPorts(*parts, plans=FakePlans(), clock=moment)
    return World(ports, *parts, clock=moment)
