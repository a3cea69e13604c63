"""How a pool mailbox engages with received warm-up mail: rates and delays."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.warmup.behaviour import (
    DEFAULT_RATES,
    Action,
    EngagementRates,
    ReceivedWarmup,
    plan_engagement,
)

ARRIVED = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
N = 10_000


def _message(i: int, folder: str = "inbox") -> ReceivedWarmup:
    return ReceivedWarmup(f"<msg_{i}.abc@pool.example>", folder, ARRIVED)  # type: ignore[arg-type]


def _plans(rates: EngagementRates = DEFAULT_RATES, spam_every: int = 4) -> list[tuple[Action, ...]]:
    return [
        plan_engagement(_message(i, "spam" if i % spam_every == 0 else "inbox"), "seed", rates)
        for i in range(N)
    ]


def _rate(plans: list[tuple[Action, ...]], kind: str) -> float:
    return sum(any(a.kind == kind for a in plan) for plan in plans) / len(plans)


def _first(plan: tuple[Action, ...], kind: str) -> Action:
    return next(a for a in plan if a.kind == kind)


def test_over_10000_messages_the_default_rates_hold() -> None:
    plans = _plans()

    assert _rate(plans, "open") == pytest.approx(0.70, abs=0.02)
    assert _rate(plans, "click") == pytest.approx(0.15, abs=0.015)
    assert _rate(plans, "reply") == pytest.approx(0.05, abs=0.01)


def test_configured_rates_hold_too() -> None:
    rates = EngagementRates(open=0.5, click=0.3, reply=0.2)

    plans = _plans(rates)

    assert _rate(plans, "open") == pytest.approx(0.5, abs=0.02)
    assert _rate(plans, "click") == pytest.approx(0.3, abs=0.02)
    assert _rate(plans, "reply") == pytest.approx(0.2, abs=0.02)


def test_every_delay_lies_within_its_bounds() -> None:
    for plan in _plans():
        kinds = Counter(a.kind for a in plan)
        assert all(count == 1 for count in kinds.values())
        if "open" in kinds:
            opened = _first(plan, "open").at
            assert ARRIVED + timedelta(minutes=5) <= opened <= ARRIVED + timedelta(hours=2)
        if "click" in kinds:
            after = _first(plan, "click").at - _first(plan, "open").at
            assert timedelta(seconds=10) <= after <= timedelta(minutes=5)
        if "reply" in kinds:
            replied = _first(plan, "reply").at
            assert ARRIVED + timedelta(hours=1) <= replied <= ARRIVED + timedelta(hours=48)
            assert replied > _first(plan, "open").at


def test_delays_spread_over_their_range() -> None:
    opens = [_first(p, "open").at - ARRIVED for p in _plans() if any(a.kind == "open" for a in p)]

    assert min(opens) < timedelta(minutes=10)
    assert max(opens) > timedelta(minutes=100)


def test_click_and_reply_only_follow_an_open() -> None:
    for plan in _plans():
        kinds = {a.kind for a in plan}
        if kinds & {"click", "reply"}:
            assert "open" in kinds


def test_mail_in_spam_is_always_rescued_and_flagged_important_when_first_seen() -> None:
    plans = [plan_engagement(_message(i, "spam"), "seed") for i in range(2000)]

    for plan in plans:
        rescue, important = _first(plan, "rescue"), _first(plan, "important")
        assert rescue.at == important.at
        assert ARRIVED + timedelta(minutes=5) <= rescue.at <= ARRIVED + timedelta(hours=2)
        assert plan[0] == rescue and plan[1] == important
        if any(a.kind == "open" for a in plan):
            assert _first(plan, "open").at == rescue.at


def test_mail_in_the_inbox_is_never_moved_nor_flagged() -> None:
    for i in range(2000):
        kinds = {a.kind for a in plan_engagement(_message(i), "seed")}
        assert not kinds & {"rescue", "important"}


def test_actions_come_in_time_order_and_name_the_message() -> None:
    for i in range(500):
        plan = plan_engagement(_message(i, "spam"), "seed")
        assert [a.at for a in plan] == sorted(a.at for a in plan)
        assert {a.message_id for a in plan} == {f"<msg_{i}.abc@pool.example>"}


def test_deterministic_for_a_seed_and_varied_across_seeds() -> None:
    message = _message(1, "spam")

    assert plan_engagement(message, "a") == plan_engagement(message, "a")
    assert len({plan_engagement(message, f"s{i}") for i in range(20)}) > 10


def test_zero_rates_never_engage_beyond_the_rescue() -> None:
    rates = EngagementRates(open=0.0, click=0.0, reply=0.0)

    plan = plan_engagement(_message(1, "spam"), "s", rates)

    assert [a.kind for a in plan] == ["rescue", "important"]


@pytest.mark.parametrize(
    "changes",
    [
        {"open": 1.2},
        {"open": 0.1, "click": 0.2},
        {"open": 0.1, "reply": 0.2},
        {"reply": -0.1},
        {"open_after": (timedelta(minutes=10), timedelta(minutes=5))},
        {"reply_after": (timedelta(minutes=1), timedelta(minutes=30))},
    ],
)
def test_inconsistent_rates_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EngagementRates(**changes)  # type: ignore[arg-type]
