"""The realtime store contracts: ``FakeConnections`` / ``DynamoConnections``,
``FakeSubscriptions`` / ``DynamoSubscriptions`` and ``FakeTickets`` / ``DynamoTickets`` (moto
DynamoDB) pass the same tests."""

from __future__ import annotations

import pytest

from chalicelib.core import ids
from chalicelib.realtime.ports import Connection, Ticket
from tests.fakes.realtime import FakeConnections, FakeSubscriptions, FakeTickets
from tests.functional.twins import TWINS, new_tenant, twin

NOW = "2026-11-28T12:00:00.000Z"


@pytest.fixture(params=TWINS)
def connections(request):
    from chalicelib.realtime import wiring

    return twin(request, FakeConnections, wiring.connections)


@pytest.fixture(params=TWINS)
def subscriptions(request):
    from chalicelib.realtime import wiring

    return twin(request, FakeSubscriptions, wiring.subscriptions)


@pytest.fixture(params=TWINS)
def tickets(request):
    from chalicelib.realtime import wiring

    return twin(request, FakeTickets, wiring.tickets)


def test_a_connection_opens_authenticates_gains_topics_and_is_deleted(connections):
    cid = ids.new_id("c")
    connections.open(Connection(cid, NOW, 2_000_000_000, last_seen=NOW))
    assert connections.get(cid) == Connection(cid, NOW, 2_000_000_000, last_seen=NOW)
    tenant = new_tenant().tenant_id
    connections.authenticate(cid, tenant, "key_1", "2026-11-28T12:00:01.000Z")
    connections.set_topic(cid, "tenant", True, NOW)
    connections.set_topic(cid, "campaign:cmp_a", True, NOW)
    connections.set_topic(cid, "tenant", False, NOW)
    found = connections.get(cid)
    assert (found.tenant_id, found.key_id, found.topics) == (tenant, "key_1", {"campaign:cmp_a"})
    assert found.authenticated
    assert connections.delete(cid) == found
    assert connections.get(cid) is None and connections.delete(cid) is None


def test_subscriptions_by_topic_in_one_read_per_tenant(subscriptions):
    mine, theirs = new_tenant().tenant_id, new_tenant().tenant_id
    subscriptions.add(mine, "tenant", "c1", 2_000_000_000)
    subscriptions.add(mine, "tenant", "c2", 2_000_000_000)
    subscriptions.add(mine, "campaign:cmp_a", "c1", 2_000_000_000)
    subscriptions.add(theirs, "tenant", "c3", 2_000_000_000)
    assert subscriptions.of_tenant(mine) == {"tenant": ["c1", "c2"], "campaign:cmp_a": ["c1"]}
    subscriptions.remove(mine, ["tenant", "campaign:cmp_a", "message:msg_none"], "c1")
    assert subscriptions.of_tenant(mine) == {"tenant": ["c2"]}
    assert subscriptions.of_tenant(new_tenant().tenant_id) == {}


def test_a_ticket_is_taken_once(tickets):
    tenant = new_tenant().tenant_id
    tickets.put("h" * 64, Ticket(tenant, "key_1", 2_000_000_000))
    assert tickets.take(new_tenant().tenant_id, "h" * 64) is None  # another tenant's key
    assert tickets.take(tenant, "h" * 64) == Ticket(tenant, "key_1", 2_000_000_000)
    assert tickets.take(tenant, "h" * 64) is None
