"""A realtime world over fakes: two tenants, an API key, a campaign and a message each."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chalicelib.realtime.service import RealtimePorts
from tests.fakes.core import FakeClock
from tests.fakes.realtime import (
    FakeConnections,
    FakeDirectory,
    FakeSubscriptions,
    FakeTickets,
    RecordingPusher,
)

TENANT = "ten_" + "a" * 20
OTHER = "ten_" + "b" * 20


@dataclass
class World:
    ports: RealtimePorts
    connections: FakeConnections
    subscriptions: FakeSubscriptions
    tickets: FakeTickets
    pusher: RecordingPusher
    directory: FakeDirectory
    clock: FakeClock


@pytest.fixture
def world() -> World:
    directory = FakeDirectory(
        keys={"pm_key_mine": (TENANT, "key_1")},
        campaigns={(TENANT, "cmp_mine"), (OTHER, "cmp_theirs")},
        messages={(TENANT, "msg_mine"): "cmp_mine", (OTHER, "msg_theirs"): None},
    )
    parts = (FakeConnections(), FakeSubscriptions(), FakeTickets(), RecordingPusher())
    clock = FakeClock()
    ports = RealtimePorts(*parts, directory=directory, clock=clock)
    return World(ports, *parts, directory=directory, clock=clock)
