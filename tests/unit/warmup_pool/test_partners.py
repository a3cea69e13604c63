"""Choosing a mailbox's warm-up partners in the pool."""

from __future__ import annotations

from collections import Counter

import pytest

from chalicelib.warmup.partners import PoolMember, choose_partners, eligible_partners


def _member(tenant: str, n: int) -> PoolMember:
    return PoolMember(tenant, f"mbx_{tenant}_{n}", f"box{n}@{tenant}.example")


SENDER = _member("ten_a", 0)
OWN = [SENDER, _member("ten_a", 1), _member("ten_a", 2)]
OTHERS = [_member("ten_b", 0), _member("ten_b", 1), _member("ten_c", 0)]


def test_never_its_own_tenant_when_other_tenants_are_in_the_pool() -> None:
    partners = choose_partners(SENDER, OWN + OTHERS, 100, "2025-06-01")

    assert len(partners) == 100
    assert {p.tenant_id for p in partners} == {"ten_b", "ten_c"}


def test_a_pool_of_one_tenant_falls_back_to_its_other_mailboxes_never_itself() -> None:
    partners = choose_partners(SENDER, OWN, 10, "s")

    assert set(partners) == {OWN[1], OWN[2]}


def test_nobody_to_warm_with_gives_no_sends() -> None:
    assert choose_partners(SENDER, [SENDER], 10, "s") == []
    assert choose_partners(SENDER, [], 10, "s") == []
    assert choose_partners(SENDER, OTHERS, 0, "s") == []


def test_the_sends_are_spread_evenly_across_partners() -> None:
    pool = OWN + [_member(f"ten_{t}", n) for t in "bcdefg" for n in range(3)]

    counts = Counter(choose_partners(SENDER, pool, 100, "s"))

    assert len(counts) == 18
    assert set(counts.values()) == {5, 6}


def test_fewer_sends_than_partners_go_to_distinct_partners() -> None:
    pool = OWN + [_member(f"ten_{t}", n) for t in "bcdefg" for n in range(3)]

    partners = choose_partners(SENDER, pool, 10, "s")

    assert len(set(partners)) == 10


def test_deterministic_for_a_seed_whatever_the_pool_order() -> None:
    pool = OWN + OTHERS

    first = choose_partners(SENDER, pool, 20, "seed")

    assert first == choose_partners(SENDER, list(reversed(pool)), 20, "seed")


def test_other_seeds_give_other_orders() -> None:
    pool = OWN + [_member(f"ten_{t}", n) for t in "bcdefg" for n in range(3)]

    orders = {tuple(choose_partners(SENDER, pool, 18, f"day{d}")) for d in range(10)}

    assert len(orders) == 10


def test_eligible_partners_exclude_the_sender_and_duplicates() -> None:
    assert eligible_partners(SENDER, OWN + OTHERS + OTHERS) == sorted(OTHERS)


def test_negative_sends_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        choose_partners(SENDER, OTHERS, -1, "s")
