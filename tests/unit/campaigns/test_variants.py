"""A/B variants: a deterministic pick in proportion to the weights, and a winner only after
a minimum sample with a strict lead."""

import pytest

from chalicelib.campaigns.rules.variants import pick_variant, variant_seed, winner

SEEDS = [variant_seed(f"enr_{n:06d}", 1) for n in range(10_000)]


def test_the_same_seed_gives_the_same_variant_whatever_the_weights_order():
    weights = {"A": 1, "B": 1, "C": 1}
    reordered = {"C": 1, "A": 1, "B": 1}
    picks = [pick_variant(weights, seed) for seed in SEEDS[:500]]
    assert picks == [pick_variant(reordered, seed) for seed in SEEDS[:500]]
    assert picks == [pick_variant(weights, seed) for seed in SEEDS[:500]]


@pytest.mark.parametrize(
    "weights",
    [{"A": 50, "B": 50}, {"A": 70, "B": 30}, {"A": 1, "B": 2, "C": 7}, {"A": 5, "B": 3, "C": 2}],
)
def test_over_ten_thousand_seeds_the_shares_are_within_two_points_of_the_weights(weights):
    picks = [pick_variant(weights, seed) for seed in SEEDS]
    total = sum(weights.values())
    for name, weight in weights.items():
        assert abs(picks.count(name) / len(picks) - weight / total) < 0.02, name


def test_a_variant_of_weight_zero_is_never_picked():
    picks = {pick_variant({"A": 0, "B": 3, "C": 0}, seed) for seed in SEEDS[:2000]}
    assert picks == {"B"}


def test_the_step_is_part_of_the_seed():
    weights = {"A": 1, "B": 1}
    same = sum(
        pick_variant(weights, variant_seed(f"enr_{n}", 1))
        == pick_variant(weights, variant_seed(f"enr_{n}", 3))
        for n in range(2000)
    )
    assert 800 < same < 1200  # independent picks agree about half the time


@pytest.mark.parametrize("weights", [{}, {"A": 0}, {"A": 0, "B": 0}, {"A": -1, "B": 3}])
def test_weights_without_a_positive_total_are_refused(weights):
    with pytest.raises(ValueError):
        pick_variant(weights, "enr_1:1")


def test_no_winner_until_every_variant_has_the_minimum_sample():
    assert winner({"A": (100, 30), "B": (99, 1)}, min_sample=100) is None
    assert winner({"A": (100, 30), "B": (100, 1)}, min_sample=100) == "A"


def test_the_leader_is_by_reply_rate_not_by_replies():
    assert winner({"A": (200, 20), "B": (100, 12), "C": (100, 3)}, min_sample=50) == "B"


def test_a_tie_at_the_top_has_no_winner_rates_compared_exactly():
    assert winner({"A": (30, 10), "B": (60, 20), "C": (60, 1)}, min_sample=10) is None
    assert winner({"A": (0, 0), "B": (0, 0)}, min_sample=0) is None


def test_one_variant_alone_never_wins():
    assert winner({"A": (500, 50)}, min_sample=10) is None
    assert winner({}, min_sample=10) is None
