"""A/B variants of an email step: which variant a contact gets, and when one has won.

The pick is a pure function of a seed (the enrolment id and the step), so a rerun of the
scheduler, or a retry, gives the same contact the same variant; over many seeds the shares
follow the weights. A winner is declared on reply rate, only once every variant has been
sent to at least ``min_sample`` contacts and the leader is strictly ahead of the rest.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping


def variant_seed(enrolment_id: str, step: int) -> str:
    """The seed ``pick_variant`` expects for one contact's email step."""
    return f"{enrolment_id}:{step}"


def pick_variant(weights: Mapping[str, int], seed: str) -> str:
    """A variant name, chosen with probability weight / total weight, always the same one
    for the same seed and weights. A variant of weight 0 is never chosen."""
    names = sorted(weights)  # the mapping's order must not change the pick
    if any(weights[n] < 0 for n in names) or sum(weights[n] for n in names) <= 0:
        raise ValueError(f"weights must be >= 0 with a positive total: {dict(weights)}")
    point = _uniform(seed) % sum(weights[n] for n in names)
    for name in names:
        if point < weights[name]:
            return name
        point -= weights[name]
    raise AssertionError("unreachable: point < total weight")


def winner(stats: Mapping[str, tuple[int, int]], min_sample: int) -> str | None:
    """The variant with the best reply rate, once every variant has ``min_sample`` sent
    (at least 1) and the leader's rate is strictly above every other's; else None (also
    with fewer than two variants: there is nothing to decide). ``stats``: name -> (sent,
    replied)."""
    if len(stats) < 2 or any(sent < max(min_sample, 1) for sent, _ in stats.values()):
        return None
    rates = sorted(((Fraction(replied, sent), name) for name, (sent, replied) in stats.items()))
    (second, _), (best, leader) = rates[-2], rates[-1]
    return leader if best > second else None


def _uniform(seed: str) -> int:
    """64 bits of SHA-256: stable across processes and Python versions (``hash`` is not),
    and wide enough that the modulo bias is nil for any real total weight."""
    return int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:8], "big")
