"""Who a mailbox exchanges its day's warm-up mail with: a choice among the pool's members
(the opted-in mailboxes of every tenant). Pure and deterministic for a seed.

- A mailbox never writes to itself, and never to a mailbox of its own tenant while the pool
  holds mailboxes of other tenants (a tenant warming with itself proves nothing to the
  receiving providers); only a pool of one tenant falls back to its other mailboxes.
- The day's sends are spread evenly: every partner gets ``sends // k`` or one more, over a
  seeded shuffle, so a day's mail is not always led by the same partners.
- The choice does not depend on the order the pool is listed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True, order=True)
class PoolMember:
    tenant_id: str
    mailbox_id: str
    address: str


def eligible_partners(sender: PoolMember, pool: Sequence[PoolMember]) -> list[PoolMember]:
    """The members ``sender`` may warm with, sorted: other tenants' mailboxes, or when there
    are none, its own tenant's other mailboxes."""
    others = {m for m in pool if m.mailbox_id != sender.mailbox_id}
    foreign = sorted(m for m in others if m.tenant_id != sender.tenant_id)
    return foreign or sorted(others)


def choose_partners(
    sender: PoolMember, pool: Sequence[PoolMember], sends: int, seed: str
) -> list[PoolMember]:
    """The recipient of each of ``sender``'s ``sends`` warm-up messages of the day, in
    sending order; empty when the pool has nobody to warm with."""
    if sends < 0:
        raise ValueError("sends cannot be negative")
    candidates = eligible_partners(sender, pool)
    if not candidates or sends == 0:
        return []
    rng = random.Random(f"{seed}|{sender.tenant_id}|{sender.mailbox_id}")
    rng.shuffle(candidates)
    chosen = [candidates[i % len(candidates)] for i in range(sends)]
    rng.shuffle(chosen)
    return chosen
