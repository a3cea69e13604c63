"""The fan-out over fakes: events grouped by tenant to their topics' subscribers, the
campaign of an open found for its campaign's subscribers, the counters after them, one
subscription query per tenant (none more when nobody listens), Gone cleaned up, and a
failing push never raising."""

from __future__ import annotations

from chalicelib.realtime.push import push_campaign_counters, push_events
from tests.unit.realtime.conftest import OTHER, TENANT, World


def event(kind: str, tenant: str = TENANT, **fields: object) -> dict[str, object]:
    return {"event_id": f"evt_{kind}", "type": kind, "tenant_id": tenant,
            "occurred_at": "2026-11-28T12:00:00.000Z", "schema_version": 1, **fields}  # fmt: skip


def listen(world: World, connection: str, tenant: str, *topics: str) -> None:
    for topic in topics:
        world.subscriptions.add(tenant, topic, connection, 2_000_000_000)


def test_each_event_goes_to_its_tenant_campaign_and_message_subscribers(world):
    listen(world, "t", TENANT, "tenant")
    listen(world, "c", TENANT, "campaign:cmp_mine")
    listen(world, "m", TENANT, "message:msg_mine")
    listen(world, "o", OTHER, "tenant")
    world.directory.totals[TENANT] = {"counts": {"sent": 1}}
    sent = event("message.sent", message_id="msg_mine", campaign_id="cmp_mine")
    opened = event("message.opened", message_id="msg_mine")  # no campaign_id on opens

    stats = push_events(world.ports, [sent, opened, event("message.sent", OTHER)])

    assert world.pusher.to("t") == [
        {"type": "event", "topic": "tenant", "event": sent},
        {"type": "event", "topic": "tenant", "event": opened},
        {"type": "counters", "topic": "tenant", "counters": {"counts": {"sent": 1}}},
    ]
    assert world.pusher.to("c") == [
        {"type": "event", "topic": "campaign:cmp_mine", "event": sent},
        {"type": "event", "topic": "campaign:cmp_mine", "event": opened},
    ]
    assert [m["event"]["type"] for m in world.pusher.to("m")] == ["message.sent", "message.opened"]
    assert [m["event"]["tenant_id"] for m in world.pusher.to("o") if m["type"] == "event"] == [
        OTHER
    ]
    assert stats.sent == len(world.pusher.sent)


def test_nobody_listening_costs_one_query_per_tenant_and_nothing_else(world):
    push_events(world.ports, [event("message.sent"), event("message.sent"), event("x", OTHER)])
    assert world.subscriptions.queries == 2 and world.pusher.sent == []


def test_a_gone_connection_is_cleaned_up_once_and_the_others_still_get_theirs(world):
    world.connections.open(_connection("dead"))
    listen(world, "dead", TENANT, "tenant")
    listen(world, "live", TENANT, "tenant")
    world.pusher.gone.add("dead")
    stats = push_events(world.ports, [event("message.sent"), event("message.queued")])
    assert stats.gone == 1 and world.subscriptions.of_tenant(TENANT) == {"tenant": ["live"]}
    assert len(world.pusher.to("live")) == 3


def test_a_failing_push_is_counted_and_never_raised(world):
    listen(world, "t", TENANT, "tenant")
    world.pusher.broken = True
    stats = push_events(world.ports, [event("message.sent")])
    assert stats.failed == 2 and stats.sent == 0  # the event and the counters after it


def test_a_post_that_times_out_costs_that_post_only(world):
    # given two subscribers, the first of whose next post times out
    listen(world, "slow", TENANT, "tenant")
    listen(world, "fast", TENANT, "tenant")
    world.pusher.failing.add("slow")
    # when a batch of two events is pushed
    stats = push_events(world.ports, [event("message.queued"), event("message.sent")])
    # then the slow one misses the first event only, the other gets everything, and the
    # connection is kept (a timeout is not Gone)
    assert [m["event"]["type"] for m in world.pusher.to("slow") if m["type"] == "event"] == [
        "message.sent"
    ]
    assert len(world.pusher.to("fast")) == 3
    assert stats.failed == 1 and stats.gone == 0 and stats.failed_tenants == 0
    assert sorted(world.subscriptions.of_tenant(TENANT)["tenant"]) == ["fast", "slow"]


def test_campaign_counters_go_to_the_campaigns_subscribers(world):
    listen(world, "c", TENANT, "campaign:cmp_mine")
    world.directory.progress["cmp_mine"] = {"enrolled": 1, "steps": [{"sent": 1}]}
    push_campaign_counters(
        world.ports,
        [
            event("message.sent", campaign_id="cmp_mine"),
            event("message.opened", message_id="msg_mine"),
        ],
    )
    assert world.pusher.to("c") == [
        {"type": "counters", "topic": "campaign:cmp_mine",
         "counters": {"enrolled": 1, "steps": [{"sent": 1}]}},
    ]  # fmt: skip


def _connection(connection_id: str):
    from chalicelib.realtime.ports import Connection

    return Connection(connection_id, "2026-11-28T12:00:00.000Z", 2_000_000_000, tenant_id=TENANT,
                      topics=frozenset({"tenant"}))  # fmt: skip
