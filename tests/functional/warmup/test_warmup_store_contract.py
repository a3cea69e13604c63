"""The ``WarmupStore`` contract: ``FakeWarmups`` and ``DynamoWarmupRepository`` (one JSON
document per mailbox in ``WarmupsTable``, optimistic lock) pass the same tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.core import ids
from chalicelib.warmup import records
from chalicelib.warmup.ports import WarmupStore
from chalicelib.warmup.records import DayEntry, StaleWarmup, Warmup
from chalicelib.warmup.rules import DayStats, decide
from tests.fakes.warmup import FakeWarmups
from tests.functional.twins import TWINS, new_tenant, twin

NOW = "2026-11-28T12:00:00.000Z"
LATER = "2026-11-29T12:00:00.000Z"


@pytest.fixture(params=TWINS)
def store(request) -> WarmupStore:
    def real() -> WarmupStore:
        from chalicelib.warmup.wiring import store

        return store()

    return twin(request, FakeWarmups, real)


def _new(tenant_id: str | None = None) -> Warmup:
    tenant = tenant_id or new_tenant().tenant_id
    return records.start(tenant, ids.new_id("mbx"), "standard", True, date(2026, 11, 28), NOW)


def test_a_missing_warmup_is_none(store: WarmupStore) -> None:
    assert store.get(new_tenant().tenant_id, ids.new_id("mbx")) is None


def test_saved_warmup_reads_back_with_its_version(store: WarmupStore) -> None:
    warmup = _new()
    saved = store.save(warmup)
    assert saved == replace(warmup, version=1)
    assert store.get(warmup.tenant_id, warmup.mailbox_id) == saved


def test_history_with_outcomes_and_decisions_round_trips(store: WarmupStore) -> None:
    stats = DayStats(sent=10, bounced=0, deferred=1, inbox=8, spam=2, opened=7, replied=1)
    decided = DayEntry("2026-11-28", 0, 10, stats, decide("standard", 0, stats))
    warmup = replace(
        _new(),
        day=1,
        target=21,
        history=(decided, DayEntry("2026-11-29", 1, 21)),
        status_reason="why not",
    )
    saved = store.save(warmup)
    assert store.get(warmup.tenant_id, warmup.mailbox_id) == saved
    assert saved.last_decision == decided.decision
    assert saved.today == DayEntry("2026-11-29", 1, 21)


def test_a_save_from_a_stale_read_is_refused(store: WarmupStore) -> None:
    first = store.save(_new())
    store.save(records.pause(first, "tenant", LATER))
    with pytest.raises(StaleWarmup):
        store.save(records.stop(first, "tenant", LATER))
    assert store.get(first.tenant_id, first.mailbox_id).status == "paused"


def test_a_second_new_warmup_for_the_mailbox_is_refused(store: WarmupStore) -> None:
    warmup = store.save(_new())
    with pytest.raises(StaleWarmup):
        store.save(replace(warmup, plan="aggressive", version=0))


def test_saves_chain_through_versions(store: WarmupStore) -> None:
    warmup = store.save(_new())
    paused = store.save(records.pause(warmup, "tenant", LATER))
    resumed = store.save(records.resume(paused, LATER))
    assert (resumed.status, resumed.version) == ("warming", 3)


def test_tenants_do_not_see_each_others_warmups(store: WarmupStore) -> None:
    warmup = store.save(_new())
    assert store.get(new_tenant().tenant_id, warmup.mailbox_id) is None


def test_a_save_with_events_keeps_both_and_a_stale_one_writes_neither(store: WarmupStore) -> None:
    from chalicelib.warmup.records import close_day

    first = store.save(_new())
    changed, event = close_day(first, DayStats(sent=10), date(2026, 11, 29), LATER)
    saved = store.save(changed, [event])
    assert store.get(first.tenant_id, first.mailbox_id) == saved
    assert saved.day == 1 and saved.version == 2
    stale, late = close_day(first, DayStats(sent=12), date(2026, 11, 29), LATER)
    with pytest.raises(StaleWarmup):
        store.save(stale, [late])
    assert store.get(first.tenant_id, first.mailbox_id) == saved
    assert _outbox_ids(store, first.tenant_id) == {event["event_id"]}


def _outbox_ids(store: WarmupStore, tenant_id: str) -> set[str]:
    if isinstance(store, FakeWarmups):
        return {e["event_id"] for e in store.events if e["tenant_id"] == tenant_id}
    from chalicelib.aws import outbox

    table = outbox.OUTBOX.bind()
    found = table.client.query(
        TableName=table.name,
        KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": tenant_id}},
    )
    return {item["sk"]["S"] for item in found["Items"]}
