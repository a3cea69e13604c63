"""The ``PoolStore`` contract: ``FakePool`` (over ``FakeWarmups``) and ``DynamoPoolDirectory``
(the sparse ``by_pool`` index of ``WarmupsTable``, the ``POOL#<mailbox>#<on>`` counters)
pass the same tests: only warming warm-ups with the pool on are members, with their
address, and a day's counters read back (0 when nothing was counted)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest

from chalicelib.core import ids
from chalicelib.warmup import records
from chalicelib.warmup.partners import PoolMember
from chalicelib.warmup.ports import PoolStore, WarmupStore
from chalicelib.warmup.records import Warmup
from tests.fakes.warmup import FakePool, FakeWarmups
from tests.functional.twins import TWINS, new_tenant, twin

NOW = "2026-11-28T12:00:00.000Z"


@dataclass
class Twins:
    warmups: WarmupStore
    pool: PoolStore

    def add_counts(self, tenant_id: str, mailbox_id: str, on: str, **counts: int) -> None:
        if isinstance(self.pool, FakePool):
            self.pool.add_counts(tenant_id, mailbox_id, on, **counts)
            return
        _add_counts_in_dynamodb(tenant_id, mailbox_id, on, counts)


def _add_counts_in_dynamodb(tenant_id: str, mailbox_id: str, on: str, counts: Any) -> None:
    """The pool worker's write: ADD on the sender's day item."""
    from chalicelib.aws import clients
    from chalicelib.warmup.store import WarmupItem, pool_counters_key

    names = {f"#{k}": k for k in counts}
    values = {f":{k}": {"N": str(v)} for k, v in counts.items()}
    clients.dynamodb().update_item(
        TableName=WarmupItem.Meta.table_name,  # type: ignore[attr-defined]
        Key={"tenant_id": {"S": tenant_id}, "sk": {"S": pool_counters_key(mailbox_id, on)}},
        UpdateExpression="ADD " + ", ".join(f"#{k} :{k}" for k in counts),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


@pytest.fixture(params=TWINS)
def twins(request) -> Twins:
    def fake() -> Twins:
        warmups = FakeWarmups()
        return Twins(warmups, FakePool(warmups))

    def real() -> Twins:
        from chalicelib.warmup.wiring import pool, store

        return Twins(store(), pool())

    return twin(request, fake, real)


def _warming(twins: Twins, pool: bool = True, tenant_id: str | None = None) -> Warmup:
    tenant = tenant_id or new_tenant().tenant_id
    mailbox_id = ids.new_id("mbx")
    warmup = records.start(
        tenant, mailbox_id, "standard", pool, date(2026, 11, 28), NOW, None, f"{mailbox_id}@x.test"
    )
    return twins.warmups.save(warmup)


def _member(warmup: Warmup) -> PoolMember:
    return PoolMember(warmup.tenant_id, warmup.mailbox_id, warmup.address)


def test_warming_warmups_in_the_pool_are_members_with_their_address(twins: Twins) -> None:
    tenant = new_tenant().tenant_id
    first, second = _warming(twins, tenant_id=tenant), _warming(twins)
    members = twins.pool.pool_members()
    assert {_member(first), _member(second)} <= set(members)
    assert len(members) == len(set(members))


def test_a_warmup_out_of_the_pool_or_no_longer_warming_is_no_member(twins: Twins) -> None:
    private = _warming(twins, pool=False)
    paused = _warming(twins)
    twins.warmups.save(records.pause(paused, "by the tenant", NOW))
    stopped = _warming(twins)
    twins.warmups.save(records.stop(stopped, "by the tenant", NOW))
    members = set(twins.pool.pool_members())
    assert not {_member(private), _member(paused), _member(stopped)} & members


def test_a_resumed_warmup_is_a_member_again(twins: Twins) -> None:
    warmup = _warming(twins)
    paused = twins.warmups.save(records.pause(warmup, "by the tenant", NOW))
    twins.warmups.save(records.resume(replace(paused), NOW))
    assert _member(warmup) in set(twins.pool.pool_members())


def test_a_days_counters_read_back_and_another_day_is_zero(twins: Twins) -> None:
    warmup = _warming(twins)
    twins.add_counts(warmup.tenant_id, warmup.mailbox_id, "2026-11-28", inbox=3, spam=1)
    twins.add_counts(warmup.tenant_id, warmup.mailbox_id, "2026-11-28", inbox=2, opened=4)
    counts = twins.pool.pool_counts(warmup.tenant_id, warmup.mailbox_id, "2026-11-28")
    assert counts == {"inbox": 5, "spam": 1, "rescued": 0, "opened": 4, "clicked": 0, "replied": 0}
    other = twins.pool.pool_counts(warmup.tenant_id, warmup.mailbox_id, "2026-11-29")
    assert other == dict.fromkeys(("inbox", "spam", "rescued", "opened", "clicked", "replied"), 0)


def test_every_days_counters_come_in_one_read(twins: Twins) -> None:
    warmup = _warming(twins)
    twins.add_counts(warmup.tenant_id, warmup.mailbox_id, "2026-11-28", inbox=3, spam=1)
    twins.add_counts(warmup.tenant_id, warmup.mailbox_id, "2026-11-29", replied=2)
    days = twins.pool.pool_days(warmup.tenant_id, warmup.mailbox_id)
    assert set(days) == {"2026-11-28", "2026-11-29"}
    assert (days["2026-11-28"]["inbox"], days["2026-11-29"]["replied"]) == (3, 2)
    assert twins.pool.pool_days(warmup.tenant_id, "mbx_nobodyhere00000000") == {}
