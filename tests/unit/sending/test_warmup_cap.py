"""The warm-up cap on the send path: a warming mailbox sends no more in a day than its plan
allows on the day of its warm-up it is on (PRODUCT.md "Warm-up"), below its own daily limit;
the cap comes from the mailbox's stored plan and start date, never from a guess."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

import pytest

from chalicelib.analytics import mailbox_day_period
from chalicelib.mailboxes import Mailbox
from chalicelib.sending.service.delivery import SendBatch
from tests.fakes.sending import World, memory_world
from tests.fakes.smtp import SmtpSink


class OneMailbox:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    def get(self, ctx, mailbox_id):
        found = self.mailbox
        return found if (ctx.tenant_id, mailbox_id) == (found.tenant_id, found.mailbox_id) else None


def _world_with(mailbox_changes: dict, sent_today: int) -> tuple[World, SmtpSink]:
    sink = SmtpSink()
    world = memory_world(sink.factory)
    mailbox = replace(world.mailbox, **mailbox_changes)
    world = replace(
        world, mailbox=mailbox, ports=replace(world.ports, mailboxes=OneMailbox(mailbox))
    )
    today = world.ports.clock.now().date().isoformat()
    period = mailbox_day_period(mailbox.mailbox_id, today)
    world.counters.values[(mailbox.tenant_id, period)] = {"message_sent": sent_today}
    return world, sink


def _send_one(world: World) -> tuple[str, dict]:
    message = world.message("lead@example.test")
    batch = SendBatch(world.ports, "priority")
    batch.prepare([(message.tenant_id, message.message_id)])

    async def go() -> str:
        outcome = await batch.process(message.tenant_id, message.message_id)
        await batch.close()
        return outcome

    outcome = asyncio.run(go())
    return outcome, world.messages.get(message.tenant_id, message.message_id).timeline[-1]


def _days_ago(world_date: date, days: int) -> str:
    return date.fromordinal(world_date.toordinal() - days).isoformat()


@pytest.mark.parametrize(("sent_today", "outcome"), [(9, "sent"), (10, "deferred")])
def test_a_warming_mailbox_on_day_0_of_the_standard_plan_sends_10(sent_today, outcome):
    # given a warming mailbox whose standard plan started today (10 on day 0)
    world, _ = _world_with(
        {"status": "warming", "warmup_plan": "standard", "warmup_started_on": "2026-11-28"},
        sent_today,
    )
    # when one more message is due, then it goes out below the cap and waits at it
    result, last = _send_one(world)
    assert result == outcome
    if outcome == "deferred":
        assert last["step"] == "defer_if_mailbox_over_cap"
        assert last["reason"] == "the mailbox has sent its 10 for today"


def test_the_cap_rises_with_the_day_of_the_warmup():
    # given day 21 of the standard plan: floor(10 + 490 * 21 / 42) = 255
    world, _ = _world_with({"status": "warming", "warmup_plan": "standard"}, 254)
    world.ports.mailboxes.mailbox = replace(
        world.mailbox, warmup_started_on=_days_ago(world.ports.clock.now().date(), 21)
    )
    assert _send_one(world)[0] == "sent"
    world.counters.values[
        (world.mailbox.tenant_id, mailbox_day_period(world.mailbox.mailbox_id, "2026-11-28"))
    ] = {"message_sent": 255}
    assert _send_one(world)[0] == "deferred"


def test_the_mailbox_daily_limit_still_applies_below_the_warmup_volume():
    # given day 42 (500 a day) but a daily limit of 50
    world, _ = _world_with(
        {
            "status": "warming",
            "warmup_plan": "standard",
            "warmup_started_on": "2026-10-17",
            "daily_limit": 50,
        },
        50,
    )
    result, last = _send_one(world)
    assert result == "deferred" and last["reason"] == "the mailbox has sent its 50 for today"


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"status": "warming"}, id="warming-without-a-plan"),
        pytest.param(
            {"status": "active", "warmup_plan": "standard", "warmup_started_on": "2026-11-28"},
            id="warm-up-over",
        ),
    ],
)
def test_only_a_warming_mailbox_with_a_plan_is_capped_by_it(changes):
    world, _ = _world_with(changes, 500)
    assert _send_one(world)[0] == "sent"


def test_the_warmup_day_counts_from_the_start_date():
    world, _ = _world_with({}, 0)
    today = world.ports.clock.now().date()
    assert world.mailbox.warmup_day(today) is None
    started = replace(world.mailbox, warmup_plan="aggressive", warmup_started_on="2026-11-20")
    assert started.warmup_day(today) == 8
    assert replace(started, warmup_started_on="2026-12-01").warmup_day(today) == 0
