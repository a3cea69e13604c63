"""The simulator's forced bounces: exactly ``rate`` of an authenticated sender's recipients
are refused at RCPT (550 5.1.1), the n-th when floor(n*rate) grows; rate 0 removes it."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from infrastructure.local.mail_simulator import Simulator, exact_rate, nth_refused

SENDER = "anna@acme.test"
RETURN_PATH = "b+msg_1@bounces.acme.test"


def _refusals(simulator: Simulator, count: int, sender: str | None = SENDER) -> list[int]:
    replies = [
        simulator.rcpt_reply(RETURN_PATH, f"lead{n}@prospect.test", sender)
        for n in range(1, count + 1)
    ]
    return [n for n, reply in enumerate(replies, start=1) if reply is not None]


@pytest.mark.parametrize(
    ("rate", "of_100"), [(0.29, 29), (0.1, 10), (0.05, 5), (0.333, 33), (0.7, 70), (1, 100)]
)
def test_after_every_recipient_exactly_floor_n_rate_were_refused(rate: float, of_100: int) -> None:
    simulator = Simulator()
    simulator.force_bounces(SENDER, rate)

    refused = _refusals(simulator, 100)

    assert len(refused) == of_100
    exact = exact_rate(rate)
    for n in range(1, 101):
        assert sum(r <= n for r in refused) == math.floor(n * exact)


def test_the_refusal_is_a_hard_bounce_naming_the_recipient() -> None:
    simulator = Simulator()
    simulator.force_bounces(SENDER, 1)

    reply = simulator.rcpt_reply(RETURN_PATH, "lead@prospect.test", SENDER)

    assert reply == "550 5.1.1 <lead@prospect.test>: Recipient address rejected: user unknown"


def test_it_follows_the_authenticated_sender_not_the_return_path() -> None:
    simulator = Simulator()
    simulator.force_bounces(" Anna@ACME.test ", 0.5)

    assert _refusals(simulator, 4, sender="ANNA@acme.test") == [2, 4]
    assert _refusals(simulator, 4, sender="other@acme.test") == []
    assert _refusals(simulator, 4, sender=None) == []  # no AUTH: no sender to match


def test_state_shows_what_it_did_and_rate_0_removes_it() -> None:
    simulator = Simulator()
    simulator.force_bounces(SENDER, 0.25)
    _refusals(simulator, 8)

    assert simulator.forced_bounces() == [
        {"sender": SENDER, "rate": 0.25, "recipients": 8, "refused": 2}
    ]
    simulator.force_bounces(SENDER, 0)
    assert simulator.forced_bounces() == []
    assert _refusals(simulator, 8) == []


def test_setting_a_rate_again_counts_afresh() -> None:
    simulator = Simulator()
    simulator.force_bounces(SENDER, 0.5)
    assert _refusals(simulator, 3) == [2]
    simulator.force_bounces(SENDER, 0.5)
    assert _refusals(simulator, 2) == [2]


def test_simulator_addresses_keep_their_behaviour_alongside() -> None:
    simulator = Simulator()
    assert simulator.rcpt_reply(RETURN_PATH, "bounce@sim.penguinmails.test", SENDER) is not None
    assert simulator.rcpt_reply(RETURN_PATH, "success@sim.penguinmails.test", SENDER) is None


def test_nth_refused_and_exact_rate() -> None:
    assert exact_rate(0.29) == Fraction(29, 100)
    assert [n for n in range(1, 11) if nth_refused(n, Fraction(3, 10))] == [4, 7, 10]
    with pytest.raises(ValueError):
        Simulator().force_bounces(SENDER, 1.5)
