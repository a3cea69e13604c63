"""The pool's receiving store: ``FakeReceivedStore`` and ``DynamoPoolStore`` (items in
``WarmupsTable``) pass the same tests: a message is received once, an action is done and
counted once, cursors only move forward, due actions come by time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core import ids
from chalicelib.warmup.pool_store import Planned, Received, SenderRef
from tests.fakes.warmup_pool import FakeReceivedStore
from tests.functional.twins import TWINS, new_tenant, twin

T0 = "2026-11-28T12:00:00.000Z"
T1 = "2026-11-28T12:10:00.000Z"
T2 = "2026-11-28T14:00:00.000Z"


@pytest.fixture(params=TWINS)
def store(request):
    def real():
        from chalicelib.warmup.pool_wiring import pool_store

        return pool_store()

    return twin(request, FakeReceivedStore, real)


def _received(folder: str = "spam") -> Received:
    sender = SenderRef(new_tenant().tenant_id, ids.new_id("mbx"), "2026-11-28", "msg_x", "a@a.test")
    return Received(
        new_tenant().tenant_id,
        ids.new_id("mbx"),
        f"<{ids.new_id('w')}@a.test>",
        folder,
        T0,
        sender,
        (Planned("rescue", T1), Planned("open", T1), Planned("reply", T2)),
        {"from": "a@a.test", "subject": "hi", "text": "hello\n", "references": []},
    )


def test_a_message_is_received_once_and_credited_once(store) -> None:
    record = _received()
    assert store.receive(record) and not store.receive(record)
    counts = store.counts(record.sender.tenant_id, record.sender.mailbox_id, "2026-11-28")
    assert counts["spam"] == 1 and counts["inbox"] == 0


def test_actions_come_due_by_time_and_count_once(store) -> None:
    record = _received()
    store.receive(record)
    assert store.due(record.tenant_id, record.mailbox_id, T0, 10) == []
    (due,) = store.due(record.tenant_id, record.mailbox_id, T1, 10)
    assert due == record
    assert store.complete(due, "rescue", "rescued") and not store.complete(due, "rescue", "rescued")
    assert store.complete(replace(due, done=frozenset({"rescue"})), "open", "opened")
    assert store.due(record.tenant_id, record.mailbox_id, T1, 10) == []  # next one at T2
    (later,) = store.due(record.tenant_id, record.mailbox_id, T2, 10)
    assert later.done == {"rescue", "open"} and [p.kind for p in later.pending] == ["reply"]
    assert store.complete(later, "reply", "replied")
    assert store.due(record.tenant_id, record.mailbox_id, "2027-01-01T00:00:00.000Z", 10) == []
    counts = store.counts(record.sender.tenant_id, record.sender.mailbox_id, "2026-11-28")
    assert (counts["rescued"], counts["opened"], counts["replied"]) == (1, 1, 1)


def test_due_is_per_mailbox_and_bounded(store) -> None:
    first = _received()
    store.receive(first)
    for _ in range(3):
        other = _received()
        store.receive(
            Received(
                first.tenant_id,
                first.mailbox_id,
                other.message_id,
                "inbox",
                T0,
                first.sender,
                other.plan,
                other.original,
            )
        )
    assert len(store.due(first.tenant_id, first.mailbox_id, T2, 10)) == 4
    assert len(store.due(first.tenant_id, first.mailbox_id, T2, 2)) == 2
    assert store.due(first.tenant_id, ids.new_id("mbx"), T2, 10) == []


def test_cursors_only_move_forward(store) -> None:
    tenant, mailbox = new_tenant().tenant_id, ids.new_id("mbx")
    assert store.cursor(tenant, mailbox) == {"inbox": 0, "spam": 0}
    store.advance(tenant, mailbox, "inbox", 7)
    store.advance(tenant, mailbox, "inbox", 3)
    store.advance(tenant, mailbox, "spam", 2)
    assert store.cursor(tenant, mailbox) == {"inbox": 7, "spam": 2}
